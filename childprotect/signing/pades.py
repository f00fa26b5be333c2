"""PAdES signatures with pyHanko: reading a signer's PKCS#12, keeping it encrypted, signing a PDF, validating one.

Nothing here touches the database; services.py and selectors.py call it. No function logs, and no exception raised
here carries a passphrase, a PIN or key material: the refusals are SigningError with a Vietnamese message of our own,
and errors of the libraries below are caught and replaced (their text could quote what they were given).

The level is PAdES B-B (ETSI EN 319 142-1): a CAdES detached signature (SubFilter ETSI.CAdES.detached) with the
signing certificate as a signed attribute, without a timestamp (B-T needs a TSA, and the server has no network to
reach one). The signing time we record is the server's; validation is at that moment (docs/signing.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

__all__ = [
    "SigningError",
    "CertificateInfo",
    "Credentials",
    "Validation",
    "certificate_info",
    "open_pkcs12",
    "protect_pkcs12",
    "sign_pdf",
    "validate_pdf",
    "load_trust_roots",
]

FIELD_NAME = "ChuKySo"  # the signature field pyHanko adds (invisible: see sign_pdf)
# The uploaded file may use the old PKCS#12 ciphers (RC2, 3DES); what we keep uses PBES2 with AES-256 and a strong KDF.
KDF_ROUNDS = 100_000


class SigningError(Exception):
    """A refusal the person can act on, in Vietnamese; never carries a secret."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CertificateInfo:
    """The public facts of a certificate, as shown and stored."""

    common_name: str
    subject: str
    issuer: str
    serial: str  # hex, upper case, as Vietnamese CAs print it
    not_before: dt.datetime
    not_after: dt.datetime
    fingerprint: str  # SHA-256 of the DER, hex
    der: bytes

    def expired_at(self, moment: dt.datetime) -> bool:
        return not (self.not_before <= moment <= self.not_after)


@dataclass(frozen=True)
class Credentials:
    """A key and its certificate in memory, for the length of one request. Never stored as they are."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = field(default=())

    def __repr__(self) -> str:  # no key material in a traceback's locals or a log line
        return f"Credentials(certificate={self.certificate.serial_number:X})"


def _name(name: x509.Name) -> str:
    return name.rfc4514_string()


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else _name(name)


def certificate_info(cert: x509.Certificate) -> CertificateInfo:
    der = cert.public_bytes(serialization.Encoding.DER)
    return CertificateInfo(
        common_name=_common_name(cert.subject),
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        serial=f"{cert.serial_number:X}",
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint=hashlib.sha256(der).hexdigest(),
        der=der,
    )


def open_pkcs12(data: bytes, passphrase: str) -> Credentials:
    """The key and certificates of a PKCS#12 file; refused: no passphrase, a wrong one, no key or no certificate."""
    if not passphrase:
        raise SigningError("Hãy nhập mật khẩu của tệp chứng thư số.")
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, passphrase.encode())
    except ValueError:
        # The library's message may name the file's structure; ours says only what the person can fix.
        raise SigningError(
            "Không mở được tệp chứng thư số: sai mật khẩu, hoặc tệp không phải PKCS#12 (.p12, .pfx)."
        ) from None
    if key is None or cert is None:
        raise SigningError("Tệp chứng thư số phải chứa cả khoá bí mật và chứng thư số của người ký.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError("Khoá bí mật trong tệp không phải RSA hoặc ECDSA: không dùng để ký được.")
    return Credentials(key=key, certificate=cert, chain=tuple(others))


def refuse_unprotected(data: bytes) -> None:
    """A PKCS#12 that opens without a passphrase keeps its key in the clear: refused."""
    for empty in (None, b""):
        try:
            pkcs12.load_key_and_certificates(data, empty)
        except (ValueError, TypeError):
            continue
        raise SigningError("Tệp chứng thư số không có mật khẩu bảo vệ khoá bí mật: hãy xuất lại tệp có mật khẩu.")


def protect_pkcs12(credentials: Credentials, passphrase: str, friendly_name: str) -> bytes:
    """The credentials as a PKCS#12 encrypted with the person's passphrase (PBES2, AES-256-CBC, SHA-256 MAC)."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode()[:64],
        credentials.key,
        credentials.certificate,
        list(credentials.chain) or None,
        encryption,
    )


def _asn1_cert(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def simple_signer(credentials: Credentials) -> Any:
    """pyHanko's signer over a key held in memory (a PKCS#12 just opened)."""
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = credentials.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(credentials.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [_asn1_cert(c) for c in credentials.chain]
        ),
    )


def sign_pdf(pdf: bytes, signer: Any, *, name: str, reason: str, location: str) -> bytes:
    """`pdf` signed by `signer` (pyHanko Signer) as PAdES B-B, in an invisible signature field.

    Invisible: the printed signature block (NĐ 30/2020) already says who signs and as what, and its place on the last
    page moves with the document's length, so a visible widget could cover the text; PDF readers list the signature
    in their signature panel all the same.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=name,
        reason=reason,
        location=location,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
    except SigningError:
        raise
    except Exception as exc:  # noqa: BLE001 (a token or library failure: never its text, which may quote input)
        raise SigningError("Không ký được tài liệu (lỗi của khoá hoặc thiết bị ký). Hãy thử lại.") from exc
    signed: bytes = out.getvalue()
    return signed


@dataclass(frozen=True)
class Validation:
    """What the validation of a stored signed PDF found, in the words the pages show."""

    signed: bool  # a signature is there at all
    intact: bool = False  # the signed bytes hash to what was signed
    valid: bool = False  # the signature is cryptographically sound over them
    trusted: bool = False  # the certificate chains to a configured trust root, valid at the signing moment
    modified: bool = False  # something was added after the signature (an incremental update)
    signer_name: str = ""
    signer_serial: str = ""
    signer_issuer: str = ""
    signed_at: dt.datetime | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.trusted and not self.modified

    @property
    def label(self) -> str:
        if not self.signed:
            return "Không có chữ ký số"
        if not (self.intact and self.valid):
            return "Chữ ký không hợp lệ: nội dung đã bị thay đổi sau khi ký"
        if self.modified:
            return "Chữ ký hợp lệ nhưng tài liệu đã bị sửa đổi sau khi ký"
        if not self.trusted:
            return "Chữ ký toàn vẹn nhưng chứng thư số không thuộc tổ chức cung cấp dịch vụ được tin cậy"
        return "Chữ ký hợp lệ"

    def as_dict(self) -> dict[str, Any]:
        return {
            "signed": self.signed,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "modified": self.modified,
            "signer_name": self.signer_name,
            "problem": self.problem,
        }


def load_trust_roots(paths: list[str]) -> list[Any]:
    """The trust roots (asn1crypto certificates) from PEM or DER files; each file may hold several PEM blocks."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    roots = []
    for path in paths:
        data = Path(path).read_bytes()
        if pem.detect(data):
            roots += [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
        else:
            roots.append(asn1_x509.Certificate.load(data))
    return roots


def validate_pdf(pdf: bytes, *, trust_roots: list[Any], moment: dt.datetime) -> Validation:
    """Validate the first signature of `pdf` at `moment` (the signing moment the server recorded: B-B carries no
    timestamp), against `trust_roots`, offline. Any failure to read is "not valid", never an exception."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 (a damaged file is an answer, not an error)
        return Validation(signed=False, problem="Tệp PDF bị hỏng, không đọc được.")
    if not signatures:
        return Validation(signed=False, problem="Tệp không có chữ ký số.")
    sig = signatures[0]
    context = ValidationContext(
        trust_roots=trust_roots, allow_fetching=False, moment=moment, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(sig, context)
    except Exception:  # noqa: BLE001
        return Validation(signed=True, problem="Không kiểm tra được chữ ký: cấu trúc chữ ký bị hỏng.")
    cert = status.signing_cert
    modified = status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    return Validation(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        modified=modified,
        signer_name=str(cert.subject.native.get("common_name", "")) if cert is not None else "",
        signer_serial=f"{cert.serial_number:X}" if cert is not None else "",
        signer_issuer=cert.issuer.human_friendly if cert is not None else "",
        signed_at=status.signer_reported_dt,
        problem="" if status.bottom_line else (status.coverage.name if status.coverage else "UNCLEAR_COVERAGE"),
    )
