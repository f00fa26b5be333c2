"""Read-only lists for administrators: the public facts of certificates and signatures. The encrypted PKCS#12 and the
signed PDFs are never shown, and nothing is changed here (a certificate is retired by its owner; a signature stays)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import SignedDocument, SigningCertificate


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SigningCertificate)
class SigningCertificateAdmin(ReadOnlyAdmin):
    list_display = ("common_name", "owner", "serial", "issuer", "not_after", "source", "revoked_at")
    fields = (
        "owner",
        "source",
        "common_name",
        "subject",
        "issuer",
        "serial",
        "fingerprint",
        "not_before",
        "not_after",
        "token_label",
        "added_at",
        "revoked_at",
    )
    search_fields = ("common_name", "serial", "owner__username")


@admin.register(SignedDocument)
class SignedDocumentAdmin(ReadOnlyAdmin):
    list_display = ("kind", "object_id", "version", "signer", "signed_at", "cert_serial")
    fields = (
        "kind",
        "content_type",
        "object_id",
        "version",
        "sha256",
        "signer",
        "certificate",
        "signed_at",
        "cert_subject",
        "cert_serial",
        "cert_issuer",
        "validation",
    )
    list_filter = ("kind",)
