from __future__ import annotations

from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Digital signatures (chữ ký số): signers' certificates, PAdES-signed documents and their validation. The apps
    register what can be signed (registry.py) from their AppConfig.ready()."""

    name = "childprotect.signing"
    label = "signing"
    verbose_name = "Chữ ký số"
