"""Signing with a PKCS#11 token on the server (a USB token, an HSM; SoftHSM2 in the tests): the module and the token
are settings (CHILDPROTECT_PKCS11_MODULE, CHILDPROTECT_PKCS11_TOKEN_LABEL); each signer's key and certificate on it
carry the same label. The key never leaves the token; the PIN is asked at each use and never kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptography import x509
from django.conf import settings

from .pades import SigningError

__all__ = ["available", "session_signer", "token_certificate"]


def available() -> bool:
    return bool(settings.CHILDPROTECT_PKCS11_MODULE)


@contextmanager
def session_signer(label: str, pin: str) -> Iterator[Any]:
    """pyHanko's PKCS11Signer for the key and certificate labelled `label`, in a session opened with `pin` and closed
    after use."""
    if not available():
        raise SigningError("Máy chủ không có thiết bị ký số (PKCS#11).")
    if not pin:
        raise SigningError("Hãy nhập mã PIN của thiết bị ký số.")
    import pkcs11.exceptions
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    criteria = TokenCriteria(label=settings.CHILDPROTECT_PKCS11_TOKEN_LABEL or None)
    try:
        session = open_pkcs11_session(settings.CHILDPROTECT_PKCS11_MODULE, token_criteria=criteria, user_pin=pin)
    except pkcs11.exceptions.PinIncorrect:
        raise SigningError("Sai mã PIN của thiết bị ký số.") from None
    except Exception:  # noqa: BLE001 (no token, a locked PIN, a missing module: said without the library's text)
        raise SigningError("Không mở được thiết bị ký số: kiểm tra thiết bị và mã PIN.") from None
    try:
        signer = PKCS11Signer(session, cert_label=label, key_label=label)
        try:
            signer.signing_cert  # noqa: B018 (loads the certificate and key now: a missing label is refused here)
        except Exception:  # noqa: BLE001
            raise SigningError(f"Không tìm thấy khoá và chứng thư số có nhãn “{label}” trên thiết bị.") from None
        yield signer
    finally:
        session.close()


def token_certificate(label: str, pin: str) -> x509.Certificate:
    """The certificate labelled `label` on the token (read with the PIN: proof the person holds it)."""
    with session_signer(label, pin) as signer:
        return x509.load_der_x509_certificate(signer.signing_cert.dump())
