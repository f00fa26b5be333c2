"""The channels' adapters: one interface (base.py), one adapter per provider, chosen by settings (registry.py)."""
