"""Every write of digital signatures: adding and retiring a certificate, signing a document. One transaction each,
with its audit entry; a refusal is a SigningError in Vietnamese and changes nothing. Passphrases and PINs are
arguments only: never stored, logged, audited or put in a message (docs/signing.md#secrets)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cryptography import x509
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from childprotect.audit.actions import SigningAction
from childprotect.audit.services import audit_record
from childprotect.text import fold

from . import pades, token
from .models import CertificateSource, SignedDocument, SigningCertificate
from .pades import SigningError
from .registry import Kind
from .selectors import signed_document_current, trust_roots

if TYPE_CHECKING:
    from childprotect.accounts.models import User

__all__ = [
    "SigningError",
    "certificate_add_pkcs11",
    "certificate_add_pkcs12",
    "certificate_revoke",
    "document_digest",
    "document_sign",
]


def _check_certificate(actor: User, info: pades.CertificateInfo) -> None:
    now = timezone.now()
    if now < info.not_before:
        raise SigningError(f"Chứng thư số chưa có hiệu lực (từ {timezone.localtime(info.not_before):%d/%m/%Y}).")
    if now > info.not_after:
        raise SigningError(f"Chứng thư số đã hết hạn ngày {timezone.localtime(info.not_after):%d/%m/%Y}.")
    if settings.CHILDPROTECT_SIGNING_NAME_MATCH and fold(info.common_name) != fold(actor.full_name):
        raise SigningError(
            f"Chứng thư số cấp cho “{info.common_name}”, không phải cho “{actor.full_name or actor.username}”: "
            "chỉ thêm được chứng thư số của chính mình."
        )


def certificate_add_pkcs12(*, actor: User, data: bytes, passphrase: str) -> SigningCertificate:
    """Keep the person's PKCS#12, re-encrypted with their passphrase; refused: too large, unprotected, wrong
    passphrase, no key or certificate, not yet or no longer valid, another person's, already added."""
    if len(data) > settings.CHILDPROTECT_SIGNING_MAX_FILE_BYTES:
        raise SigningError("Tệp chứng thư số quá lớn.")
    pades.refuse_unprotected(data)
    credentials = pades.open_pkcs12(data, passphrase)
    info = pades.certificate_info(credentials.certificate)
    _check_certificate(actor, info)
    return _certificate_keep(
        actor, info, CertificateSource.PKCS12, pkcs12=pades.protect_pkcs12(credentials, passphrase, info.common_name)
    )


def _certificate_keep(actor: User, info: pades.CertificateInfo, source: str, **secret: Any) -> SigningCertificate:
    """Store a checked certificate of `actor` (with its encrypted PKCS#12 or its token label) and audit it, once:
    the same certificate still in use is refused."""
    with transaction.atomic():
        if SigningCertificate.objects.filter(
            owner=actor, fingerprint=info.fingerprint, revoked_at__isnull=True
        ).exists():
            raise SigningError("Chứng thư số này đã có trong danh sách của bạn.")
        certificate = SigningCertificate.objects.create(
            owner=actor,
            source=source,
            common_name=info.common_name[:200],
            subject=info.subject[:500],
            issuer=info.issuer[:500],
            serial=info.serial,
            fingerprint=info.fingerprint,
            not_before=info.not_before,
            not_after=info.not_after,
            certificate=info.der,
            added_at=timezone.now(),
            **secret,
        )
        audit_record(
            actor=actor,
            action=SigningAction.CERTIFICATE_ADD,
            obj=certificate,
            changes={"subject": info.subject, "serial": info.serial, "issuer": info.issuer, "source": str(source)},
        )
    return certificate


def certificate_revoke(*, actor: User, certificate: SigningCertificate) -> None:
    """Stop using a certificate (the documents it signed keep it). The encrypted key is erased."""
    if certificate.owner_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        erase: dict[str, Any] = {"pkcs12": b""} if certificate.source == CertificateSource.PKCS12 else {}
        SigningCertificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), **erase
        )
        audit_record(
            actor=actor,
            action=SigningAction.CERTIFICATE_REVOKE,
            obj=certificate,
            changes={"serial": certificate.serial},
        )


def document_record_view(*, actor: User, entry: Kind, obj: Any, page: str) -> None:
    """A view of a document's signing or check page, recorded once per view on the record it belongs to (its
    "who accessed" log): the document leads to the child (NĐ 56 Đ33)."""
    audit_record(
        actor=actor,
        action=SigningAction.VIEW,
        obj=entry.record(obj),
        changes={"kind": entry.kind, "page": page, "document": entry.describe(obj)},
    )


def document_digest(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


@contextmanager
def _signer_for(certificate: SigningCertificate, secret: str) -> Iterator[Any]:
    """pyHanko's signer for the certificate, unlocked by `secret` (the PKCS#12's passphrase or the token's PIN)."""
    if certificate.source == CertificateSource.PKCS11:
        with token.session_signer(certificate.token_label, secret) as signer:
            if pades.certificate_info(_x509(signer.signing_cert.dump())).fingerprint != certificate.fingerprint:
                raise SigningError("Chứng thư số trên thiết bị không khớp với chứng thư số đã đăng ký.")
            yield signer
        return
    if not secret:
        raise SigningError("Hãy nhập mật khẩu chứng thư số.")
    try:
        credentials = pades.open_pkcs12(bytes(certificate.pkcs12 or b""), secret)
    except SigningError:
        raise SigningError("Sai mật khẩu chứng thư số.") from None
    if pades.certificate_info(credentials.certificate).fingerprint != certificate.fingerprint:
        raise SigningError("Tệp chứng thư số đã lưu không khớp với chứng thư số đã đăng ký.")
    yield pades.simple_signer(credentials)


def _x509(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def certificate_add_pkcs11(*, actor: User, label: str, pin: str) -> SigningCertificate:
    """Register the person's key and certificate on the server's token (read with their PIN, which is not kept)."""
    cert = token.token_certificate(label, pin)
    info = pades.certificate_info(cert)
    _check_certificate(actor, info)
    return _certificate_keep(actor, info, CertificateSource.PKCS11, token_label=label)


def document_sign(
    *, actor: User, entry: Kind, obj: Any, certificate_id: int, passphrase: str, digest: str
) -> SignedDocument:
    """Sign `obj`'s document as `actor` with their certificate `certificate_id`, unlocked by `passphrase` (or the
    token's PIN), and store the signed PDF. `digest` is the SHA-256 of the document the person saw on the signing
    page: a document that changed since is refused. Not theirs to sign: PermissionDenied (403)."""
    if not entry.may_sign(actor, obj):
        raise PermissionDenied("Bạn không ký văn bản này.")
    certificate = SigningCertificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.owner_id != actor.pk or certificate.revoked_at is not None:
        raise SigningError("Chứng thư số đã chọn không phải của bạn hoặc đã ngừng sử dụng.")
    refusal = entry.refusal(obj)
    if refusal:
        raise SigningError(refusal)
    now = timezone.now()
    if not certificate.not_before <= now <= certificate.not_after:
        raise SigningError(f"Chứng thư số đã hết hạn ngày {timezone.localtime(certificate.not_after):%d/%m/%Y}.")
    if signed_document_current(entry.kind, obj) is not None:
        raise SigningError("Văn bản này đã được ký số.")
    pdf = entry.render(obj)
    if document_digest(pdf) != digest:
        raise SigningError("Nội dung văn bản đã thay đổi từ khi bạn mở trang ký. Hãy xem lại văn bản rồi ký.")
    with _signer_for(certificate, passphrase) as signer:
        signed = pades.sign_pdf(
            pdf,
            signer,
            name=actor.full_name or actor.username,
            reason=entry.reason,
            location=actor.unit.name if actor.unit_id and actor.unit else "",
        )
    validation = pades.validate_pdf(signed, trust_roots=trust_roots(), moment=now)
    try:
        with transaction.atomic():
            document = SignedDocument.objects.create(
                kind=entry.kind,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=obj.pk,
                version=entry.version(obj),
                pdf=signed,
                sha256=document_digest(signed),
                signer=actor,
                certificate=certificate,
                signed_at=now,
                cert_subject=certificate.subject,
                cert_serial=certificate.serial,
                cert_issuer=certificate.issuer,
                validation=validation.as_dict(),
            )
            audit_record(
                actor=actor,
                action=SigningAction.SIGN,
                obj=obj,
                object_repr=entry.describe(obj),
                changes={
                    "kind": entry.kind,
                    "document": document.pk,
                    "version": document.version,
                    "certificate": certificate.serial,
                    "subject": certificate.subject,
                    "sha256": document.sha256,
                },
            )
    except IntegrityError:  # someone signed it at the same moment: theirs stands
        raise SigningError("Văn bản này đã được ký số.") from None
    return document
