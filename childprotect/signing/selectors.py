"""Every read of certificates and signed documents that reaches a person. A signed document is reached only through
the object it is of (its kind's selector: out of reach = missing = 404)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404

from . import pades
from .models import SignedDocument, SigningCertificate
from .registry import KINDS, kind_get

if TYPE_CHECKING:
    from childprotect.accounts.models import User


def certificates_of(user: User) -> QuerySet[SigningCertificate]:
    """The person's own certificates in use (never anyone else's: not even an administrator signs with them)."""
    return SigningCertificate.objects.filter(owner=user, revoked_at__isnull=True).order_by("-added_at", "-id")


def certificate_get_for(user: User, pk: int) -> SigningCertificate:
    certificate = certificates_of(user).filter(pk=pk).first()
    if certificate is None:
        raise Http404
    return certificate


def signed_documents_of(obj: Any, kind: str | None = None) -> QuerySet[SignedDocument]:
    """The signatures of an object already reached through its selector, newest first."""
    qs = SignedDocument.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.select_related("signer").defer("pdf").order_by("-signed_at", "-id")


def signed_document_current(kind: str, obj: Any) -> SignedDocument | None:
    """The signed document of `obj` at its present version, if it has been signed."""
    entry = KINDS.get(kind)
    if entry is None or obj is None:
        return None
    return signed_documents_of(obj, kind).filter(version=entry.version(obj)).first()


def signed_current_map(objs: Sequence[Any]) -> dict[tuple[str, int], SignedDocument]:
    """The signed documents at their present version of objects of one model already reached, by (kind, object id),
    in one query: for a page listing many documents (a case's timeline), where signed_document_current would ask once
    for each."""
    if not objs:
        return {}
    by_pk = {obj.pk: obj for obj in objs}
    found: dict[tuple[str, int], SignedDocument] = {}
    documents = (
        SignedDocument.objects.filter(content_type=ContentType.objects.get_for_model(objs[0]), object_id__in=by_pk)
        .select_related("signer")
        .defer("pdf")
        .order_by("-signed_at", "-id")
    )
    for document in documents:
        entry = KINDS.get(document.kind)
        if entry is not None and document.version == entry.version(by_pk[document.object_id]):
            found.setdefault((document.kind, document.object_id), document)
    return found


def signed_pdf(kind: str, obj: Any) -> bytes | None:
    """The stored signed PDF of `obj` at its present version, or None: the download views' hook
    (`signed_pdf(kind, obj) or render_pdf(...)`)."""
    document = signed_document_current(kind, obj)
    if document is None:
        return None
    return bytes(SignedDocument.objects.values_list("pdf", flat=True).get(pk=document.pk))


def signed_pdf_open(kind: str, obj: Any) -> IO[bytes] | None:
    """signed_pdf as a file to hand to a FileResponse (`signed_pdf_open(kind, obj) or stored_file_open(...)`)."""
    pdf = signed_pdf(kind, obj)
    return io.BytesIO(pdf) if pdf is not None else None


def signed_document_get_for(user: User, pk: int) -> tuple[SignedDocument, Any]:
    """A signed document and the object it is of, when the person reaches that object (404 otherwise)."""
    document = SignedDocument.objects.select_related("signer", "certificate").filter(pk=pk).first()
    if document is None:
        raise Http404
    entry = kind_get(document.kind)
    obj = entry.get_for(user, document.object_id)
    return document, obj


def trust_roots() -> list[Any]:
    """The certificates signatures are trusted up to (CHILDPROTECT_SIGNING_TRUST_ROOTS: PEM or DER files)."""
    return pades.load_trust_roots(list(settings.CHILDPROTECT_SIGNING_TRUST_ROOTS))


def validation_of(document: SignedDocument) -> pades.Validation:
    """The stored PDF validated now, as stored (a changed byte shows), at the signing moment the server recorded."""
    pdf = bytes(document.pdf)
    result = pades.validate_pdf(pdf, trust_roots=trust_roots(), moment=document.signed_at)
    if hashlib.sha256(pdf).hexdigest() != document.sha256 and result.intact and not result.modified:
        # Bytes changed outside the signed range and the signature still checks: still not the file we stored.
        return dataclasses.replace(result, modified=True)
    return result
