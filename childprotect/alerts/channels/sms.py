"""SMS brandname gateways (Vietnam), behind the one adapter interface: chosen by CHILDPROTECT_SMS_PROVIDER."""

from __future__ import annotations
