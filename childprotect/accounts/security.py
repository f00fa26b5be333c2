"""Account security: login lockout (django-axes), two-factor codes (django-otp TOTP) and who must use them.

Settings: the "Accounts security" block of childprotect/settings.py. The pages are in views.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import segno
from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models import Max
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from childprotect.audit.actions import AccountAction, AuthAction
from childprotect.audit.services import audit_record

from .models import BackupCode, Role, User
from .policy import is_system_account

# Whether the logged-in user has a confirmed device, decided at login (and when they turn 2FA on or off), so that
# the middleware spends no query on it. A session without the mark (older than this code) asks the database once.
HAS_DEVICE_SESSION_KEY = "childprotect_2fa_device"
DEVICE_NAME = "Ứng dụng xác thực"


# --- Lockout -------------------------------------------------------------------------------------------------------
class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend, except that a call without a request (a script, the shell, a test) is not watched.

    Every login through the site (our login page, the admin's) passes the request and is counted and refused as axes
    decides; axes itself would raise on a call without one.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, *args, **kwargs)  # raises when locked out; never returns a user
        return None


class PeopleBackend(ModelBackend):
    """Django's username-and-password backend for people only: an API client's account (accounts.policy
    is_system_account) signs in with tokens (api/auth.py), never with a password or a session, even if someone gave it
    one in the admin."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not is_system_account(user)


def _lockout_until(request: HttpRequest, username: str | None) -> datetime:
    """When the username/IP combination may try again: its last counted failure plus the cool-off."""
    cool_off = get_cool_off(request) or timedelta(0)
    ip = getattr(request, "axes_ip_address", None)
    last = AccessAttempt.objects.filter(username=username, ip_address=ip).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the lockout page, in the user's language, saying until when."""
    username = get_client_username(request, credentials) or ""
    until = _lockout_until(request, username)
    minutes = max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
    context = {
        "username": username,
        "until": until,
        "minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


@receiver(user_locked_out, dispatch_uid="audit_login_locked")
def _locked_out(sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kw: Any) -> None:
    until = _lockout_until(request, username)
    audit_record(
        actor=None,
        action=AuthAction.LOCKED,
        object_repr=str(username or "")[:150],
        ip=ip_address,
        changes={
            "ip_address": ip_address,
            "failures": getattr(request, "axes_failures_since_start", None),
            "until": timezone.localtime(until).isoformat(timespec="seconds"),
        },
    )


# --- Idle sessions -------------------------------------------------------------------------------------------------
SEEN_SESSION_KEY = "childprotect_seen"


def session_touch(request: HttpRequest, *, force: bool = False) -> None:
    """Mark the session to be saved (its expiry moved SESSION_COOKIE_AGE ahead) if it was saved long enough ago."""
    now = int(time.time())
    seen = request.session.get(SEEN_SESSION_KEY)
    if force or not isinstance(seen, int) or now - seen >= settings.CHILDPROTECT_SESSION_TOUCH_SECONDS:
        request.session[SEEN_SESSION_KEY] = now


class IdleSessionMiddleware:
    """A logged-in session ends after SESSION_COOKIE_AGE without requests; each request pushes the end back.

    The database session backend refuses an expired session, so an idle user is simply logged out (sent to login).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if AUTH_SESSION_KEY in request.session:  # no query: the user need not be loaded
            session_touch(request)
        return self.get_response(request)


# --- Two-factor: who owes a code ---------------------------------------------------------------------------------
def two_factor_required(user: User) -> bool:
    """Does the user's role have to use two-factor authentication (CHILDPROTECT_2FA_REQUIRED_ROLES)?"""
    roles = set(getattr(settings, "CHILDPROTECT_2FA_REQUIRED_ROLES", ()))
    if not roles or not getattr(user, "is_authenticated", False):
        return False
    return user.role in roles or (Role.ADMIN in roles and user.is_administrator)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_verified(user: User) -> bool:
    """Has the user entered a code in this session (django-otp's OTPMiddleware)?"""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def session_has_device(request: HttpRequest) -> bool:
    flag = request.session.get(HAS_DEVICE_SESSION_KEY)
    if flag is None:
        flag = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
        request.session[HAS_DEVICE_SESSION_KEY] = flag
    return bool(flag)


@receiver(user_logged_in, dispatch_uid="accounts_2fa_device_mark")
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE_SESSION_KEY] = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        session_touch(request, force=True)  # saved by the login anyway


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class TwoFactorMiddleware:
    """After the password: a user with a device must enter a code; a user whose role requires 2FA must set it up.

    Until then every page sends them to the code page (or the setup page), except logging in and out, the
    two-factor pages themselves, static files and the language switch. The Django admin is covered like any page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def exempt(self, path: str) -> bool:
        if self._exempt is None:
            names = ("login", "logout", "two_factor_setup", "two_factor_verify", "set_language")
            self._exempt = tuple(reverse(name) for name in names)
        return path in self._exempt or path.startswith(settings.STATIC_URL or "/static/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self.exempt(request.path) and not is_verified(user):
            if session_has_device(request):
                return HttpResponseRedirect(_with_next(reverse("two_factor_verify"), request.get_full_path()))
            if two_factor_required(user):
                return HttpResponseRedirect(_with_next(reverse("two_factor_setup"), request.get_full_path()))
        return self.get_response(request)


# --- Two-factor: devices and codes -----------------------------------------------------------------------------------
def device_start(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (the same one on every visit, so that the QR code does not change)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def device_confirm(*, actor: User, device: TOTPDevice) -> None:
    """Two-factor on: the device set up is confirmed, the other unconfirmed ones go; audited."""
    with transaction.atomic():
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        audit_record(actor=actor, action=AccountAction.TWO_FACTOR_ENABLED, obj=actor)


def devices_remove(*, actor: User) -> None:
    """Two-factor off: every device of the user goes, and their backup codes; audited."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).delete()
        BackupCode.objects.filter(user=actor).delete()
        audit_record(actor=actor, action=AccountAction.TWO_FACTOR_DISABLED, obj=actor)


def two_factor_record_verified(*, actor: User) -> None:
    """The code after the password was right: audited."""
    audit_record(actor=actor, action=AuthAction.TWO_FACTOR_VERIFIED, obj=actor)


def device_secret(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def device_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn here (no outside service; offices may be offline)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, title=_("Mã QR")))


def _blocked_until(device: TOTPDevice) -> datetime | None:
    """Until when codes are refused after CHILDPROTECT_2FA_FAILURE_LIMIT wrong ones in a row (None: not blocked).

    The count and time of the failures are django-otp's own throttling fields on the device; once the window has
    passed, the count starts again.
    """
    limit = settings.CHILDPROTECT_2FA_FAILURE_LIMIT
    if device.throttling_failure_count < limit or device.throttling_failure_timestamp is None:
        return None
    until: datetime = device.throttling_failure_timestamp + timedelta(
        minutes=settings.CHILDPROTECT_2FA_FAILURE_WINDOW_MINUTES
    )
    if until > timezone.now():
        return until
    device.throttle_reset(commit=True)
    return None


def _time(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y")


def _checked(*, user: User, device: TOTPDevice, purpose: str, verify: Callable[[TOTPDevice], bool]) -> str | None:
    """Run `verify` on the locked device unless codes are refused: None when it passed, "" when it failed (the caller
    says what was wrong), else the message to show (waiting, or blocked).

    Every kind of code (the app's, a backup code, the password confirming a regeneration) counts on the device's
    throttling fields, so that wrong ones of any kind add up to CHILDPROTECT_2FA_FAILURE_LIMIT; failures are audited.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        until = _blocked_until(device)
        if until is None:
            allowed, data = device.verify_is_allowed()
            if not allowed:
                return _("Bạn vừa nhập sai mã. Vui lòng đợi một lát rồi thử lại (sau %(time)s).") % {
                    "time": formats.date_format(timezone.localtime(data["locked_until"]), "H:i:s")
                }
            if verify(device):
                return None
            until = _blocked_until(device)
    audit_record(
        actor=user,
        action=AuthAction.TWO_FACTOR_FAILED,
        obj=user,
        changes={"purpose": purpose, "failures": device.throttling_failure_count, "blocked": until is not None},
    )
    if until is not None:
        return _(
            "Bạn đã nhập sai mã %(limit)s lần liên tiếp. Vui lòng thử lại sau %(time)s, "
            "hoặc liên hệ quản trị hệ thống nếu không còn dùng được ứng dụng xác thực."
        ) % {"limit": settings.CHILDPROTECT_2FA_FAILURE_LIMIT, "time": _time(until)}
    return ""


def _counted(device: TOTPDevice, ok: bool) -> bool:
    """A check other than the app's code, counted like one on the device (django-otp's verify_token does this)."""
    if ok:
        device.throttle_reset(commit=True)
    else:
        device.throttle_increment(commit=True)
    return ok


def token_check(*, user: User, device: TOTPDevice, token: str, purpose: str) -> str | None:
    """Check a code from the app against the device; None when it is right, else the message to show (in the active
    language). Wrong codes are counted on the device and audited ("auth.2fa_failed"); after too many, codes are
    refused."""
    error = _checked(user=user, device=device, purpose=purpose, verify=lambda d: bool(d.verify_token(token)))
    if error == "":
        return _("Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã đang hiển thị trong ứng dụng.")
    return error


# --- Two-factor: backup codes ----------------------------------------------------------------------------------------
# 10 characters from 31 that cannot be mistaken for one another (no 0/O, 1/I/L): about 50 bits, shown as 5-5.
BACKUP_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BACKUP_LENGTH = 10


def backup_code_normalise(text: str) -> str:
    """What the user typed, as the code is stored: upper case, without spaces or dashes."""
    return re.sub(r"[\s-]+", "", text).upper()


def is_backup_code(text: str) -> bool:
    code = backup_code_normalise(text)
    return len(code) == BACKUP_LENGTH and all(c in BACKUP_ALPHABET for c in code)


def _backup_hash(code: str, salt: str, secret: str | bytes | None = None) -> str:
    key = secret if secret is not None else settings.SECRET_KEY
    key_bytes = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key_bytes, f"childprotect.backup_code${salt}${code}".encode(), hashlib.sha256).hexdigest()
    return f"{salt}${digest}"


def _backup_matches(code: str, stored: str) -> bool:
    """The code against a stored hash, under the secret key or one it replaced (SECRET_KEY_FALLBACKS)."""
    salt = stored.split("$", 1)[0]
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(_backup_hash(code, salt, key), stored) for key in keys)


def backup_codes_left(user: User) -> int:
    return BackupCode.objects.filter(user=user, used_at__isnull=True).count()


def backup_codes_create(*, actor: User) -> list[str]:
    """A new set of CHILDPROTECT_2FA_BACKUP_CODES codes for the user, replacing every earlier one; returns the codes
    (the only time they exist in clear: the caller shows them once). Audited, without the codes."""
    codes = [
        "".join(secrets.choice(BACKUP_ALPHABET) for _i in range(BACKUP_LENGTH))
        for _n in range(settings.CHILDPROTECT_2FA_BACKUP_CODES)
    ]
    with transaction.atomic():
        replaced = BackupCode.objects.filter(user=actor, used_at__isnull=True).count()
        BackupCode.objects.filter(user=actor).delete()
        BackupCode.objects.bulk_create(
            [BackupCode(user=actor, code_hash=_backup_hash(code, secrets.token_hex(8))) for code in codes]
        )
        audit_record(
            actor=actor,
            action=AccountAction.BACKUP_CODES_CREATED,
            obj=actor,
            changes={"count": len(codes), "replaced": replaced},
        )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _backup_code_spend(user: User, code: str) -> bool:
    """Mark the matching unused code used. Two uses of one code at once: the conditional UPDATE lets one through."""
    for pk, stored in BackupCode.objects.filter(user=user, used_at__isnull=True).values_list("pk", "code_hash"):
        if _backup_matches(code, stored):
            return BackupCode.objects.filter(pk=pk, used_at__isnull=True).update(used_at=timezone.now()) == 1
    return False


def backup_code_check(*, user: User, device: TOTPDevice, code: str) -> str | None:
    """Spend a backup code in place of the app's code after the password; None when it was good (audited with how
    many are left), else the message to show. Wrong ones count toward the same limit as the app's codes."""
    code = backup_code_normalise(code)
    error = _checked(
        user=user, device=device, purpose="backup_code", verify=lambda d: _counted(d, _backup_code_spend(user, code))
    )
    if error == "":
        return _("Mã dự phòng không đúng hoặc đã được dùng. Mỗi mã dự phòng chỉ dùng được một lần.")
    if error is None:
        audit_record(
            actor=user, action=AuthAction.BACKUP_CODE_USED, obj=user, changes={"left": backup_codes_left(user)}
        )
    return error


def password_check(*, user: User, device: TOTPDevice, password: str, purpose: str) -> str | None:
    """The password, confirming a change to two-factor; counted like a wrong code."""
    error = _checked(
        user=user, device=device, purpose=purpose, verify=lambda d: _counted(d, user.check_password(password))
    )
    if error == "":
        return _("Mật khẩu không đúng.")
    return error


def session_mark_device(request: HttpRequest, has_device: bool) -> None:
    request.session[HAS_DEVICE_SESSION_KEY] = has_device
    if not has_device:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
