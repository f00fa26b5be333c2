"""Zalo Notification Service (ZNS) template messages through an Official Account: chosen by
CHILDPROTECT_ZALO_PROVIDER."""

from __future__ import annotations
