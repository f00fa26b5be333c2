"""What a message says, by channel (docs/alerts.md#what-leaves).

E-mail carries the notification as the bell shows it. SMS and Zalo carry only what may leave the product: the
record's reference, what is due (a phrase of a registered vocabulary: the apps register their step and deadline names
from their AppConfig.ready()), when, and a link; never a name, the abuse or the reporter. The link marks the alert
opened (which stops its escalation) and leads to the record, behind the login.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from childprotect.core.models import Notification

from .channels.base import Message, PermanentFailure
from .models import AlertKind, Delivery

# name -> the text of SMS (and of Zalo's template, whose id per name is CHILDPROTECT_ZALO_TEMPLATES) with its variables
TEMPLATES: dict[str, str] = {
    "alert": "BVTE: {what} - {ref}{due}. Xem: {link}",
    "verify_code": "BVTE: ma xac minh so dien thoai cua ban la {code}, hieu luc {minutes} phut.",
    "test": "BVTE: tin nhan thu tu he thong bao ve tre em ({site}).",
}

_SAFE_WHAT: set[str] = set()
_REF = re.compile(r"^[A-Za-z0-9./-]{1,30}$")


def register_safe_phrases(phrases: Iterable[str]) -> None:
    """Phrases of a fixed vocabulary (a step's name, a deadline's kind) that may say what is due by SMS and Zalo."""
    _SAFE_WHAT.update(str(p) for p in phrases)


def template_variables(name: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(TEMPLATES[name]) if field}


def fill(name: str, params: Mapping[str, str]) -> str:
    """The template's text with `params`; a template or variable that is missing is a permanent failure (the
    message is recorded as failed with the reason, and never sent half-filled)."""
    if name not in TEMPLATES:
        raise PermanentFailure(f"không có mẫu tin nhắn '{name}'")
    missing = sorted(template_variables(name) - set(params))
    if missing:
        raise PermanentFailure(f"mẫu tin nhắn '{name}' thiếu biến: {', '.join(missing)}")
    return TEMPLATES[name].format(**params)


def plain(text: str) -> str:
    """Vietnamese without diacritics (đ → d): what a brandname SMS carries at one message per 160 characters, unless
    CHILDPROTECT_SMS_UNICODE."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def open_token(notification_id: int) -> str:
    digest = salted_hmac("childprotect.alerts.open", str(notification_id)).hexdigest()[:12]
    return f"{notification_id:x}-{digest}"


def token_notification_id(token: str) -> int | None:
    head, _, digest = token.partition("-")
    try:
        pk = int(head, 16)
    except ValueError:
        return None
    return pk if constant_time_compare(open_token(pk), token) and digest else None


def open_link(notification_id: int) -> str:
    return str(settings.CHILDPROTECT_SITE_URL) + reverse("alerts:open", args=[open_token(notification_id)])


def safe_params(notification: Notification) -> dict[str, str]:
    """The variables of the "alert" template: nothing but the reference, what is due, when and the link."""
    what = notification.what if notification.what in _SAFE_WHAT else ""
    if not what:
        with translation.override(settings.LANGUAGE_CODE):
            what = str(AlertKind(notification.kind).label) if notification.kind in AlertKind.values else "Thông báo"
    due = ""
    if notification.due_at is not None:
        due = ", han " + timezone.localtime(notification.due_at).strftime("%H:%M %d/%m/%Y")
    ref = notification.ref if _REF.match(notification.ref or "") else ""
    return {"what": what, "ref": ref or "he thong", "due": due, "link": open_link(notification.pk)}


def compose(delivery: Delivery) -> Message:
    """The message of one delivery: a notification's (by its channel), or one of its own from its `params`."""
    key = f"cp-{delivery.pk}"
    notification = delivery.notification
    if delivery.channel == "email" and notification is not None:
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string(
                "core/email/notification.txt",
                {"n": notification, "site": settings.CHILDPROTECT_SITE_URL, "link": open_link(notification.pk)},
            )
        subject = f"[Bảo vệ trẻ em] {notification.title}"
        return Message(key=key, to=delivery.address, template=delivery.template, text=body, subject=subject)
    params = {str(k): str(v) for k, v in (delivery.params or {}).items()}
    if delivery.template == "alert" and notification is not None:
        params = {**safe_params(notification), **params}
    text = fill(delivery.template, params)
    if delivery.channel == "sms" and not settings.CHILDPROTECT_SMS_UNICODE:
        text = plain(text)
        params = {k: plain(v) for k, v in params.items()}
    subject = "[Bảo vệ trẻ em] " + text[:80] if delivery.channel == "email" else ""
    return Message(key=key, to=delivery.address, template=delivery.template, text=text, subject=subject, params=params)
