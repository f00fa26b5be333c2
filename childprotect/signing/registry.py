"""What can be signed: each app registers its kinds of document from its AppConfig.ready() (the shared floor imports
no app). A kind says how to reach the object for a person (its selector: 404 out of reach), how to print it (the PDF
that would be downloaded now), who may sign it, and which version of the object a signature is of.

    from childprotect.signing.registry import register
    register(
        "plan-approval", "Quyết định phê duyệt kế hoạch (Mẫu 05)",
        model=CaseStep,
        get_for=lambda user, pk: ...,       # the object within the user's reach, or Http404
        render=lambda step: b"%PDF...",     # the PDF bytes as the download view prints them today
        may_sign=lambda user, step: ...,    # who signs it (a chair of the case's commune)
        version=lambda step: "",            # what a signature is of: one per (object, kind, version)
        refusal=lambda step: None,          # why it cannot be signed yet (Vietnamese), or None
        describe=lambda step: "Mẫu 05 …",  # the document in words (pages, audit)
        record=lambda step: step.case,      # whose access log the views of its pages join
        reason="Phê duyệt kế hoạch hỗ trợ, can thiệp",
        url=lambda step: "/cases/…/forms/05.pdf?step=…",   # where the document is downloaded
    )

The download view serves the stored signed PDF instead of printing it again with one line:
`signed_pdf(kind, obj) or render_pdf(...)` (services.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from childprotect.accounts.models import User


def _no_refusal(obj: Any) -> str | None:
    return None


def _no_version(obj: Any) -> str:
    return ""


def _itself(obj: Any) -> Any:
    return obj


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    model: type[models.Model]
    get_for: Callable[[User, int], Any]
    render: Callable[[Any], bytes]
    may_sign: Callable[[User, Any], bool]
    url: Callable[[Any], str]
    reason: str
    version: Callable[[Any], str] = _no_version
    refusal: Callable[[Any], str | None] = _no_refusal
    describe: Callable[[Any], str] = str
    record: Callable[[Any], models.Model] = _itself  # whose access log a view of the document joins


KINDS: dict[str, Kind] = {}


def register(
    kind: str,
    label: str,
    *,
    model: type[models.Model],
    get_for: Callable[[User, int], Any],
    render: Callable[[Any], bytes],
    may_sign: Callable[[User, Any], bool],
    url: Callable[[Any], str],
    reason: str,
    version: Callable[[Any], str] = _no_version,
    refusal: Callable[[Any], str | None] = _no_refusal,
    describe: Callable[[Any], str] = str,
    record: Callable[[Any], models.Model] = _itself,
) -> Kind:
    """Declare a kind of signable document (idempotent for the same kind: a reloaded app registers again)."""
    entry = Kind(kind, label, model, get_for, render, may_sign, url, reason, version, refusal, describe, record)
    KINDS[kind] = entry
    return entry


def kind_get(kind: str) -> Kind:
    """The registered kind, or 404 (a kind is part of a URL)."""
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404 from None
