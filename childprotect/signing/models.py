"""A signer's certificate (its key kept only inside a PKCS#12 encrypted with the signer's passphrase) and the signed
documents, each the PDF as signed, stored in the database (docs/signing.md#what-is-stored)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateSource(models.TextChoices):
    PKCS12 = "pkcs12", _("Tệp chứng thư số (PKCS#12)")
    PKCS11 = "pkcs11", _("Thiết bị ký số trên máy chủ (PKCS#11)")


class SigningCertificate(models.Model):
    """A person's signing certificate. `pkcs12` holds the key and the certificate encrypted with the person's own
    passphrase (PBES2/AES-256), which is never stored: it is asked again at each signing. A PKCS#11 certificate has no
    key here at all (the key stays on the token); `token_label` names it there."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_certificates",
        verbose_name=_("người ký"),
    )
    source = models.CharField(_("nguồn"), max_length=8, choices=CertificateSource.choices)
    common_name = models.CharField(_("tên trên chứng thư"), max_length=200)
    subject = models.CharField(_("chủ thể"), max_length=500)
    issuer = models.CharField(_("tổ chức cấp"), max_length=500)
    serial = models.CharField(_("số hiệu"), max_length=64)
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    certificate = models.BinaryField(_("chứng thư số (DER)"))
    pkcs12 = models.BinaryField(_("tệp PKCS#12 đã mã hoá"), null=True, editable=False)
    token_label = models.CharField(_("nhãn khoá trên thiết bị"), max_length=100, blank=True)
    added_at = models.DateTimeField(_("thêm lúc"))
    revoked_at = models.DateTimeField(_("ngừng dùng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "fingerprint"],
                condition=models.Q(revoked_at__isnull=True),
                name="signing_cert_once_per_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(source="pkcs11") | models.Q(pkcs12__isnull=False), name="signing_cert_p12_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.serial})"


class SignedDocument(models.Model):
    """A document as signed: the object it is of (generic: the shared floor knows no app's models), the kind of
    document (registry.py), the version of the object it was signed at, and the signed PDF itself with its SHA-256."""

    kind = models.CharField(_("loại văn bản"), max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    document = GenericForeignKey("content_type", "object_id")
    version = models.CharField(_("phiên bản"), max_length=64, blank=True)
    pdf = models.BinaryField(_("tệp PDF đã ký"))
    sha256 = models.CharField(max_length=64)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signed_documents", verbose_name=_("người ký")
    )
    certificate = models.ForeignKey(SigningCertificate, on_delete=models.PROTECT, related_name="signed_documents")
    signed_at = models.DateTimeField(_("ký lúc"))
    cert_subject = models.CharField(_("chủ thể chứng thư"), max_length=500)
    cert_serial = models.CharField(_("số hiệu chứng thư"), max_length=64)
    cert_issuer = models.CharField(_("tổ chức cấp chứng thư"), max_length=500)
    validation = models.JSONField(_("kết quả kiểm tra khi ký"), default=dict)

    class Meta:
        verbose_name = _("văn bản đã ký số")
        verbose_name_plural = _("văn bản đã ký số")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "version"], name="signed_document_once_per_version"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="signed_document_object_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} ({self.signed_at:%d/%m/%Y})"
