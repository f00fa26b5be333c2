"""Scanned documents of a case (signed decisions, minutes, medical papers): checked, stored, audited.

The type is decided by the file's first bytes, never by its name or the browser's content type: a PDF renamed .png, or
a program renamed .pdf, is seen for what it is. Files land in the default storage (MEDIA_ROOT outside the web root, or
the S3 bucket) with a random name; only cases.attachment_views serves them back.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cases.models import Attachment, Case, CaseStep
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_attach_files
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.audit.actions import CaseAction
from childprotect.audit.services import audit_record

__all__ = ["attachment_add", "ALLOWED_TYPES", "detect_content_type"]

# Magic numbers of the accepted types (the first bytes of the file) -> the content type stored and served.
ALLOWED_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_HEAD_BYTES = max(len(magic) for magic, _ in ALLOWED_TYPES)
_MIB = 1024 * 1024
_NAME_MAX = 255
_DESCRIPTION_MAX = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

REFUSED_TYPE = "Chỉ nhận tệp PDF, PNG hoặc JPEG."
REFUSED_EMPTY = "Tệp rỗng."
REFUSED_ROLE = (
    "Chỉ cán bộ bảo vệ trẻ em cấp xã, Chủ tịch UBND cấp xã nơi có hồ sơ hoặc cán bộ giám sát phụ trách địa bàn "
    "mới được đính kèm tệp."
)


def detect_content_type(head: bytes) -> str | None:
    """The content type that the first bytes of a file announce; None when they are none of the accepted types."""
    for magic, content_type in ALLOWED_TYPES:
        if head.startswith(magic):
            return content_type
    return None


def _megabytes(n: int) -> str:
    """A byte count in MB as written in Vietnamese (10 MB, 2,5 MB, 0,00098 MB)."""
    value = n / _MIB
    text = f"{value:.1f}" if value >= 0.1 else f"{value:.2g}"
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _original_name(raw: str | None) -> str:
    """The name the user gave the file: its last path part (browsers on Windows may send C:\\...), NFC, ≤ 255 chars."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _CONTROL.sub("", name).strip()
    if len(name) > _NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: _NAME_MAX - len(ext) - 1] + "." + ext
        else:
            name = name[:_NAME_MAX]
    return name or "tep"


def _may_attach(actor: User, case: Case) -> bool:
    # Commune staff attach to their commune's cases, supervisors to those of their area; not partners or
    # administrators.
    return can_attach_files(actor) and user_reaches_unit(actor, case.unit)


def _read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def attachment_add(
    *, actor: User, case: Case, upload: UploadedFile, description: str = "", step: CaseStep | None = None
) -> Attachment:
    """Attach a scanned PDF, PNG or JPEG to `case` (and one of its steps), after checking who, what and how big.

    Refusals are ValidationErrors in Vietnamese; nothing is stored when one is raised.
    """
    if not _may_attach(actor, case):
        raise ValidationError(REFUSED_ROLE)
    if step is not None and step.case_id != case.pk:
        raise ValidationError("Bước này không thuộc hồ sơ.")
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(REFUSED_EMPTY)
    limit: int = settings.CHILDPROTECT_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(f"Tệp quá lớn ({_megabytes(size)} MB): tối đa {_megabytes(limit)} MB.")
    content_type = detect_content_type(_read_head(upload))
    if content_type is None:
        raise ValidationError(REFUSED_TYPE)
    description = unicodedata.normalize("NFC", description or "").strip()
    if len(description) > _DESCRIPTION_MAX:
        raise ValidationError(f"Mô tả dài tối đa {_DESCRIPTION_MAX} ký tự.")

    attachment = Attachment(
        case=case,
        step=step,
        original_name=_original_name(upload.name),
        content_type=content_type,
        size=size,
        description=description,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    with transaction.atomic():
        try:
            # The storage name comes from attachment_path (random, under attachments/<case id>/), never the upload's.
            attachment.file.save(attachment.original_name, upload, save=False)
            attachment.save()
            audit_record(
                actor=actor,
                action=CaseAction.ATTACH,
                obj=case,
                changes={"attachment": attachment.pk, "size": size, "type": content_type},
            )
        except BaseException:
            if attachment.file.name:
                attachment.file.storage.delete(attachment.file.name)
            raise
    return attachment
