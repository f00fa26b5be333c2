"""The codes an authenticator app would show for a device, right and wrong (the two-factor tests)."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=d):06d}"
        for d in range(device.drift - device.tolerance, device.drift + device.tolerance + 1)
    }
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)
