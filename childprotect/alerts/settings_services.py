"""What each person chooses about their alerts (docs/alerts.md#preferences-quiet-hours-and-phone-verification): the
channels per kind, quiet hours, and the phone number SMS and Zalo go to, used only once verified by a code.

Every write is audited in its transaction. The channels and the quiet hours are saved from the version of the
person's AlertProfile their page showed: a second tab still showing an older version is refused, nothing saved.
A verification code is never kept in clear, logged or audited: its HMAC (bound to the person and the number) is kept
until it is used, runs out or is voided; the message carrying it is emptied once sent or given up
(services.delivery_send), and cancelled with its code when the code is voided before it went.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from childprotect.audit.actions import AlertAction
from childprotect.audit.services import audit_record

from .channels.registry import enabled_channels
from .models import PHONE_CHANNELS, AlertKind, AlertPreference, AlertProfile, Channel, Delivery, DeliveryStatus
from .phones import phone_normalise
from .preferences import default_channels, preference_table
from .services import message_make

if TYPE_CHECKING:
    from childprotect.accounts.models import User

# One verification code per number at most this often (a person who did not receive one asks again after a minute).
CODE_RESEND_SECONDS = 60

STALE = gettext_lazy(
    "Cài đặt thông báo của bạn vừa được lưu ở một cửa sổ hoặc thẻ khác trong lúc bạn sửa ở đây. Chưa lưu gì: trang "
    "đang hiện cài đặt mới nhất, hãy xem lại rồi lưu lại."
)


# --- the profile ---------------------------------------------------------------------------------------------------


def profile_of(user: User) -> AlertProfile:
    """The person's alert profile; an unsaved one (version 1, nothing chosen) when they never saved any."""
    found = AlertProfile.objects.filter(user=user).first()
    return found if found is not None else AlertProfile(user=user)


def _locked(user: User) -> AlertProfile:
    """The person's profile, made if missing, locked for the rest of the transaction."""
    AlertProfile.objects.get_or_create(user=user)
    return AlertProfile.objects.select_for_update().get(user=user)


def _check_version(profile: AlertProfile, version: int) -> None:
    if profile.version != version:
        raise ValidationError(STALE, code="stale")


# --- channels per kind ---------------------------------------------------------------------------------------------


def preferences_save(*, actor: User, chosen: Mapping[str, set[str]], version: int) -> bool:
    """Save the channels `actor` chose per kind (`chosen`: kind -> channels ticked), from the profile's `version`.

    A channel that is not configured cannot be ticked on the page: it keeps its value. A kind whose channels are the
    role's default has no row (it follows the default, should the role change); another has its row. Audited with
    the kinds that changed. Returns whether anything changed (nothing changed: no entry, the version stays)."""
    enabled = enabled_channels()
    with transaction.atomic():
        profile = _locked(actor)
        _check_version(profile, version)
        before = {kind: channels for kind, _, channels, _ in preference_table(actor.pk, actor.role)}
        after: dict[str, set[str]] = {}
        for kind in AlertKind.values:
            ticked = {c for c in chosen.get(kind, set()) if c in Channel.values}
            kept = {c for c in before[kind] if c not in enabled}
            after[kind] = (ticked & enabled) | kept
        changed = {kind: after[kind] for kind in AlertKind.values if after[kind] != before[kind]}
        if not changed:
            return False
        for kind, channels in changed.items():
            if channels == default_channels(actor.role, kind):
                AlertPreference.objects.filter(user=actor, kind=kind).delete()
            else:
                AlertPreference.objects.update_or_create(
                    user=actor, kind=kind, defaults={c: c in channels for c in Channel.values}
                )
        profile.version += 1
        profile.save(update_fields=["version"])
        audit_record(
            actor=actor,
            action=AlertAction.PREFERENCES,
            obj=profile,
            changes={kind: [sorted(before[kind]), sorted(after[kind])] for kind in changed},
        )
    return True


# --- quiet hours ---------------------------------------------------------------------------------------------------


def quiet_hours_check(start: dt.time | None, end: dt.time | None) -> None:
    if (start is None) != (end is None):
        raise ValidationError(
            _("Hãy nhập cả giờ bắt đầu và giờ kết thúc, hoặc để trống cả hai nếu không muốn giờ yên lặng."),
            code="half",
        )
    if start is not None and start == end:
        raise ValidationError(
            _(
                "Giờ bắt đầu và giờ kết thúc trùng nhau: hãy chọn hai giờ khác nhau (ví dụ 22:00 đến 06:00), hoặc để "
                "trống cả hai."
            ),
            code="empty_span",
        )


def quiet_hours_save(*, actor: User, start: dt.time | None, end: dt.time | None, version: int) -> bool:
    """Set `actor`'s quiet hours (local time; a start after the end spans midnight; both None: none), from the
    profile's `version`. Returns whether they changed."""
    quiet_hours_check(start, end)
    start = start.replace(second=0, microsecond=0) if start is not None else None
    end = end.replace(second=0, microsecond=0) if end is not None else None
    with transaction.atomic():
        profile = _locked(actor)
        _check_version(profile, version)
        before = (profile.quiet_start, profile.quiet_end)
        if before == (start, end):
            return False
        profile.quiet_start, profile.quiet_end = start, end
        profile.version += 1
        profile.save(update_fields=["quiet_start", "quiet_end", "version"])
        audit_record(
            actor=actor,
            action=AlertAction.QUIET_HOURS,
            obj=profile,
            changes={"quiet_start": [_hm(before[0]), _hm(start)], "quiet_end": [_hm(before[1]), _hm(end)]},
        )
    return True


def _hm(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


# --- the phone number ----------------------------------------------------------------------------------------------


def _void_code(profile: AlertProfile, reason: str) -> None:
    """Forget the pending code, and cancel (emptied) its message if it has not gone yet."""
    profile.code_hash, profile.code_sent_at, profile.code_attempts = "", None, 0
    Delivery.objects.filter(recipient_id=profile.user_id, template="verify_code", status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, params={}, error=reason
    )


def phone_set(*, actor: User, raw: str) -> bool:
    """Set (or, with an empty `raw`, remove) the number `actor`'s SMS and Zalo go to. A new number is not verified:
    nothing goes to it by SMS or Zalo until the code sent to it is typed back; what was still waiting to go to the
    old one is cancelled. Returns whether it changed."""
    phone = phone_normalise(raw) if (raw or "").strip() else ""
    with transaction.atomic():
        profile = _locked(actor)
        old = profile.phone
        if phone == old:
            return False
        profile.phone, profile.phone_verified_at = phone, None
        _void_code(profile, "Số điện thoại nhận tin đã đổi")
        profile.save(update_fields=["phone", "phone_verified_at", "code_hash", "code_sent_at", "code_attempts"])
        if old:
            Delivery.objects.filter(
                recipient=actor, channel__in=PHONE_CHANNELS, address=old, status=DeliveryStatus.PENDING
            ).update(status=DeliveryStatus.CANCELLED, params={}, error="Số điện thoại nhận tin đã đổi")
        audit_record(actor=actor, action=AlertAction.PHONE_SET, obj=profile, changes={"phone": [old, phone]})
    return True


def phone_set_verified(*, actor: User | None, user: User, phone: str) -> None:
    """Record a number as verified without a code: for numbers known otherwise (the demo's accounts, whose numbers
    are fictitious). Audited as verified, with who did it (None: the system)."""
    number = phone_normalise(phone)
    with transaction.atomic():
        profile = _locked(user)
        if profile.phone == number and profile.phone_verified_at is not None:
            return
        profile.phone, profile.phone_verified_at = number, timezone.now()
        _void_code(profile, "Số điện thoại nhận tin đã được xác minh")
        profile.save(update_fields=["phone", "phone_verified_at", "code_hash", "code_sent_at", "code_attempts"])
        audit_record(
            actor=actor, action=AlertAction.PHONE_VERIFIED, obj=profile, changes={"phone": number, "without_code": True}
        )


def code_channel() -> str:
    """The channel a verification code goes by: SMS if configured, else Zalo; "" when neither is."""
    enabled = enabled_channels()
    return next((c for c in (Channel.SMS.value, Channel.ZALO.value) if c in enabled), "")


def _digest(profile: AlertProfile, code: str) -> str:
    return salted_hmac("childprotect.alerts.phone_code", f"{profile.user_id}:{profile.phone}:{code}").hexdigest()


def _expired(profile: AlertProfile, now: dt.datetime) -> bool:
    minutes = settings.CHILDPROTECT_PHONE_CODE_MINUTES
    return profile.code_sent_at is None or now >= profile.code_sent_at + dt.timedelta(minutes=minutes)


def resend_wait(profile: AlertProfile, now: dt.datetime) -> int:
    """Seconds before another code may be sent (0: now)."""
    if profile.code_sent_at is None:
        return 0
    left = (profile.code_sent_at + dt.timedelta(seconds=CODE_RESEND_SECONDS) - now).total_seconds()
    return max(0, int(left + 0.999))


def phone_code_send(*, actor: User) -> Delivery:
    """Send a new 6-digit code to `actor`'s number, by SMS (or Zalo when SMS is not configured), through the outbox;
    the one sent before is void. At most one per CODE_RESEND_SECONDS."""
    channel = code_channel()
    if not channel:
        raise ValidationError(
            _("Chưa thể xác minh số điện thoại: hệ thống chưa được cấu hình gửi SMS hoặc Zalo."), code="no_channel"
        )
    now = timezone.now()
    with transaction.atomic():
        profile = _locked(actor)
        if not profile.phone:
            raise ValidationError(_("Hãy lưu số điện thoại trước khi gửi mã xác minh."), code="no_phone")
        if profile.phone_verified_at is not None:
            raise ValidationError(_("Số điện thoại này đã được xác minh."), code="verified")
        wait = resend_wait(profile, now)
        if wait:
            raise ValidationError(
                _("Vừa gửi một mã xác minh: hãy chờ %(seconds)s giây nữa rồi gửi lại."),
                code="throttled",
                params={"seconds": wait},
            )
        _void_code(profile, "Đã gửi mã xác minh mới")
        code = f"{secrets.randbelow(1_000_000):06d}"
        profile.code_hash, profile.code_sent_at, profile.code_attempts = _digest(profile, code), now, 0
        profile.save(update_fields=["code_hash", "code_sent_at", "code_attempts"])
        minutes = str(settings.CHILDPROTECT_PHONE_CODE_MINUTES)
        delivery = message_make(recipient=actor, channel=channel, address=profile.phone, template="verify_code",
                                params={"code": code, "minutes": minutes})  # fmt: skip
        audit_record(
            actor=actor,
            action=AlertAction.PHONE_CODE_SENT,
            obj=profile,
            changes={"phone": profile.phone, "channel": channel},
        )
    return delivery


def phone_code_check(*, actor: User, code: str) -> None:
    """Verify `actor`'s number with the code they typed. A wrong code is counted (and audited); the
    CHILDPROTECT_PHONE_CODE_ATTEMPTS-th voids it. Refused (ValidationError) when wrong, run out or void."""
    now = timezone.now()
    refusal: ValidationError | None = None
    with transaction.atomic():
        profile = _locked(actor)
        if profile.phone_verified_at is not None:
            raise ValidationError(_("Số điện thoại này đã được xác minh."), code="verified")
        if not profile.phone or not profile.code_hash:
            raise ValidationError(_("Chưa có mã xác minh nào đang chờ: hãy bấm “Gửi mã xác minh”."), code="no_code")
        if _expired(profile, now):
            _void_code(profile, "Mã xác minh đã hết hạn")
            profile.save(update_fields=["code_hash", "code_sent_at", "code_attempts"])
            refusal = ValidationError(_("Mã xác minh đã hết hạn: hãy gửi mã mới."), code="expired")
        elif constant_time_compare(_digest(profile, code.strip()), profile.code_hash):
            profile.phone_verified_at = now
            _void_code(profile, "Số điện thoại đã được xác minh")
            profile.save(update_fields=["phone_verified_at", "code_hash", "code_sent_at", "code_attempts"])
            audit_record(actor=actor, action=AlertAction.PHONE_VERIFIED, obj=profile,
                         changes={"phone": profile.phone})  # fmt: skip
        else:
            profile.code_attempts += 1
            limit = settings.CHILDPROTECT_PHONE_CODE_ATTEMPTS
            void = profile.code_attempts >= limit
            attempts = profile.code_attempts
            if void:
                _void_code(profile, "Nhập sai mã xác minh quá số lần cho phép")
            profile.save(update_fields=["code_hash", "code_sent_at", "code_attempts"])
            audit_record(actor=actor, action=AlertAction.PHONE_CODE_FAILED, obj=profile,
                         changes={"attempts": attempts, "void": void})  # fmt: skip
            if void:
                refusal = ValidationError(
                    _("Mã xác minh không đúng. Bạn đã nhập sai %(limit)s lần: mã này bị huỷ, hãy gửi mã mới."),
                    code="void",
                    params={"limit": limit},
                )
            else:
                refusal = ValidationError(
                    _("Mã xác minh không đúng: bạn còn %(left)s lần thử."),
                    code="wrong",
                    params={"left": limit - attempts},
                )
    if refusal is not None:  # after the commit: the count (or the voided code) is kept
        raise refusal
