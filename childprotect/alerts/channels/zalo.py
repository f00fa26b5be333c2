"""Zalo Notification Service (ZNS) template messages through an Official Account: chosen by
CHILDPROTECT_ZALO_PROVIDER ("zns"). docs/alerts.md#zalo-zns tells the whole of it.

- Sending: `POST {CHILDPROTECT_ZALO_API_URL}/message/template` with the OA's access token in the `access_token`
  header and {phone, template_id, template_data, tracking_id}; the template's id per message name is
  CHILDPROTECT_ZALO_TEMPLATES, its data the message's params, the tracking id the message's key (the same at every
  attempt). Zalo answers {error: 0, data: {msg_id, …}} or {error: <negative code>, message}.
- The access token lives about 25 hours; the refresh token that makes a new one is single-use and replaced at each
  refresh (`POST {CHILDPROTECT_ZALO_OAUTH_URL}/v4/oa/access_token`). Both are kept in the ProviderToken row "zns",
  seeded from CHILDPROTECT_ZALO_REFRESH_TOKEN on first use. A refresh holds that row's lock (select_for_update in a
  transaction) and reads it again once it has it: of two workers, one spends the refresh token, the other uses what
  it got. Tokens never appear in a log or an error.
- Receipts: the OA's webhook posts events signed `X-ZEvent-Signature: mac=<sha256(app_id + body + timestamp +
  OA secret key)>`; `user_received_message` marks the message delivered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ..models import ProviderToken
from .base import (
    DeliveryError,
    Message,
    PermanentFailure,
    Receipt,
    ReceiptRejected,
    Sent,
    TemporaryFailure,
    post_json,
)
from .registry import ZALO_PROVIDERS

logger = logging.getLogger(__name__)

PROVIDER = "zns"
# A token is refreshed this long before Zalo says it expires (a clock apart, a send that takes a while).
REFRESH_MARGIN = dt.timedelta(minutes=5)
TOKEN_EXPIRED = -124

# What ZNS's error codes mean for a message: tried again later (the provider or the OA's quota, not the message), or
# never (the number, the template or the recipient's choice). A code in neither list is tried again, at most
# CHILDPROTECT_ALERT_MAX_ATTEMPTS times: an alert lost to a code Zalo adds later is worse than a few useless tries.
TEMPORARY_CODES: dict[int, str] = {
    -32: "vượt giới hạn số lần gọi của ứng dụng",
    -100: "lỗi không xác định phía Zalo",
    -124: "khoá truy cập không hợp lệ hoặc hết hạn",
    -115: "tài khoản ZNS của OA hết tiền",
    -133: "ZNS không gửi vào ban đêm (22:00–06:00)",
    -144: "OA đã hết hạn mức ZNS trong ngày",
    -147: "mẫu tin đã hết hạn mức trong ngày",
}
PERMANENT_CODES: dict[int, str] = {
    -101: "app_id không hợp lệ",
    -102: "ứng dụng không tồn tại",
    -103: "ứng dụng chưa được kích hoạt",
    -104: "secret key của ứng dụng không hợp lệ",
    -105: "ứng dụng chưa liên kết với OA",
    -108: "số điện thoại không hợp lệ",
    -109: "mã mẫu ZNS không hợp lệ",
    -110: "phiên bản Zalo của người nhận không nhận được ZNS",
    -111: "mẫu ZNS thiếu dữ liệu",
    -112: "dữ liệu mẫu ZNS không hợp lệ",
    -114: "người nhận không nhận được ZNS (không dùng Zalo, tài khoản bị khoá hoặc chặn)",
    -117: "OA hoặc ứng dụng chưa được cấp quyền dùng mẫu ZNS này",
    -118: "tài khoản Zalo không tồn tại hoặc đã bị vô hiệu hoá",
    -119: "tài khoản Zalo không nhận được ZNS",
    -120: "OA chưa được cấp quyền gửi ZNS",
    -130: "nội dung vượt quá độ dài cho phép của mẫu",
    -131: "mẫu ZNS chưa được duyệt",
    -132: "tham số không hợp lệ",
    -135: "OA chưa có quyền gửi ZNS",
    -138: "ứng dụng chưa có quyền gửi ZNS",
    -139: "người nhận đã từ chối nhận mẫu tin này",
    -141: "người nhận đã từ chối nhận ZNS của OA",
}
LOCAL_NIGHT_ENDS = dt.time(6, 0)

_DIGITS = re.compile(r"^\d{9,15}$")


def zns_phone(number: str) -> str:
    """The number as ZNS takes it: 84xxxxxxxxx (no plus sign), from E.164 (+84…) or a national 0… number."""
    digits = re.sub(r"[\s.\-()]", "", number)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "84" + digits[1:]
    if not _DIGITS.match(digits):
        raise PermanentFailure("số điện thoại không hợp lệ cho Zalo")
    return digits


def _seconds_until(when: dt.time, now: dt.datetime, *, at_least: float = 60.0) -> float:
    """Seconds from `now` to the next local `when` (Asia/Ho_Chi_Minh)."""
    local = timezone.localtime(now)
    target = timezone.make_aware(dt.datetime.combine(local.date(), when), timezone.get_current_timezone())
    if target <= local:
        target = timezone.make_aware(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), when), timezone.get_current_timezone()
        )
    return max(at_least, (target - local).total_seconds())


def error_of(code: int, text: str) -> DeliveryError:
    """The failure a ZNS error code stands for; a quota or night-time refusal says how long to wait."""
    now = timezone.now()
    said = f"Zalo {code}: {text[:150]}" if text else f"Zalo {code}"
    if code in PERMANENT_CODES:
        return PermanentFailure(f"{PERMANENT_CODES[code]} ({said})")
    if code == -133:
        return TemporaryFailure(f"{TEMPORARY_CODES[code]} ({said})", retry_after=_seconds_until(LOCAL_NIGHT_ENDS, now))
    if code in (-144, -147):  # a daily quota: it comes back after midnight, local time
        return TemporaryFailure(f"{TEMPORARY_CODES[code]} ({said})", retry_after=_seconds_until(dt.time(0, 1), now))
    return TemporaryFailure(f"{TEMPORARY_CODES.get(code, 'Zalo từ chối tạm thời')} ({said})")


class ZnsAdapter:
    channel = "zalo"
    provider = PROVIDER

    def __init__(self) -> None:
        self.api_url = str(settings.CHILDPROTECT_ZALO_API_URL).rstrip("/")
        self.oauth_url = str(settings.CHILDPROTECT_ZALO_OAUTH_URL).rstrip("/")
        self.app_id = str(settings.CHILDPROTECT_ZALO_APP_ID)
        self.secret_key = str(settings.CHILDPROTECT_ZALO_SECRET_KEY)
        self.oa_secret_key = str(settings.CHILDPROTECT_ZALO_OA_SECRET_KEY)
        self.templates = {str(k): str(v) for k, v in dict(settings.CHILDPROTECT_ZALO_TEMPLATES).items()}
        self.timeout = float(settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT)

    # --- sending ------------------------------------------------------------------------------------------------

    def send(self, message: Message) -> Sent:
        template_id = self.templates.get(message.template, "")
        if not template_id:
            raise PermanentFailure(
                f"chưa cấu hình mã mẫu ZNS cho mẫu tin '{message.template}' (CHILDPROTECT_ZALO_TEMPLATES)"
            )
        payload = {
            "phone": zns_phone(message.to),
            "template_id": template_id,
            "template_data": dict(message.params),
            "tracking_id": message.key,
        }
        token = self.access_token()
        answer = self._post_template(payload, token)
        if _code(answer) == TOKEN_EXPIRED:  # revoked or expired early: a new one, and one more try
            token = self.access_token(stale=token)
            answer = self._post_template(payload, token)
        code = _code(answer)
        if code != 0:
            raise error_of(code, str(answer.get("message", "")))
        data = answer.get("data")
        msg_id = data.get("msg_id") if isinstance(data, dict) else None
        if not isinstance(msg_id, str | int) or not str(msg_id):  # accepted all the same: sent, with no receipt
            logger.warning("zalo: message %s accepted without a msg_id", message.key)
            return Sent(provider_id="")
        return Sent(provider_id=str(msg_id))

    def _post_template(self, payload: dict[str, Any], token: str) -> dict[str, Any]:
        answer = post_json(
            f"{self.api_url}/message/template", payload, headers={"access_token": token}, timeout=self.timeout
        )
        if not isinstance(answer, dict) or "error" not in answer:
            raise PermanentFailure("câu trả lời của Zalo không đọc được")
        return answer

    # --- tokens -------------------------------------------------------------------------------------------------

    def access_token(self, *, stale: str = "") -> str:
        """A valid access token: the one kept, unless it is `stale` (refused by Zalo) or close to its expiry; a new
        one otherwise (docs/alerts.md#zalo-zns)."""
        row = ProviderToken.objects.filter(provider=PROVIDER).first()
        if row is not None and _usable(row, stale):
            return row.access_token
        return self._refresh(stale)

    def _refresh(self, stale: str) -> str:
        _seed()
        with transaction.atomic():
            row = ProviderToken.objects.select_for_update().get(provider=PROVIDER)
            if _usable(row, stale):  # another worker refreshed it while this one waited for the lock
                return row.access_token
            if not row.refresh_token:
                raise TemporaryFailure("chưa có refresh token của Zalo (CHILDPROTECT_ZALO_REFRESH_TOKEN)")
            try:
                answer = post_json(
                    f"{self.oauth_url}/v4/oa/access_token",
                    {"refresh_token": row.refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"},
                    headers={"secret_key": self.secret_key},
                    timeout=self.timeout,
                    form=True,
                )
            except PermanentFailure as exc:  # the OA's credentials, not the message: it waits for them to be fixed
                raise TemporaryFailure(f"làm mới khoá truy cập Zalo: {exc}") from exc
            access, refresh, lifetime = _token_answer(answer)
            now = timezone.now()
            row.access_token, row.refresh_token = access, refresh
            row.expires_at = now + dt.timedelta(seconds=lifetime)
            row.updated_at = now
            row.save(update_fields=["access_token", "refresh_token", "expires_at", "updated_at"])
        logger.info("zalo: access token refreshed, valid for %s s", lifetime)
        return access

    # --- receipts -----------------------------------------------------------------------------------------------

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        raw = request.body
        try:
            event = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ReceiptRejected("không phải JSON") from exc
        if not isinstance(event, dict):
            raise ReceiptRejected("không phải một sự kiện")
        self._check_signature(request, raw, event)
        if event.get("event_name") != "user_received_message":
            return []  # the OA's other events (a user's message, a template's review…) are no receipts
        message = event.get("message")
        msg_id = message.get("msg_id") if isinstance(message, dict) else None
        if not isinstance(msg_id, str | int) or not str(msg_id):
            raise ReceiptRejected("sự kiện thiếu message.msg_id")
        return [Receipt(provider_id=str(msg_id), delivered=True)]

    def _check_signature(self, request: HttpRequest, raw: bytes, event: Mapping[str, Any]) -> None:
        if not self.oa_secret_key or not self.app_id:
            raise ReceiptRejected("chưa cấu hình khoá của OA (CHILDPROTECT_ZALO_OA_SECRET_KEY)")
        header = request.headers.get("X-ZEvent-Signature", "").strip()
        if not header.startswith("mac="):
            raise ReceiptRejected("thiếu chữ ký X-ZEvent-Signature")
        app_id, stamp = event.get("app_id"), event.get("timestamp")
        if not isinstance(app_id, str | int) or not isinstance(stamp, str | int) or isinstance(stamp, bool):
            raise ReceiptRejected("sự kiện thiếu app_id hoặc timestamp")
        if str(app_id) != self.app_id:
            raise ReceiptRejected("sự kiện của ứng dụng khác")
        signed = str(app_id).encode() + raw + str(stamp).encode() + self.oa_secret_key.encode()
        if not constant_time_compare(header[4:].lower(), hashlib.sha256(signed).hexdigest()):
            raise ReceiptRejected("chữ ký không đúng")


def _code(answer: Mapping[str, Any]) -> int:
    try:
        return int(answer["error"])
    except (TypeError, ValueError) as exc:
        raise PermanentFailure("câu trả lời của Zalo không đọc được") from exc


def _usable(row: ProviderToken, stale: str) -> bool:
    return bool(
        row.access_token
        and row.access_token != stale
        and row.expires_at is not None
        and row.expires_at - REFRESH_MARGIN > timezone.now()
    )


def _seed() -> None:
    """The row of the tokens, made once from the first refresh token (two workers may both try: one makes it)."""
    if ProviderToken.objects.filter(provider=PROVIDER).exists():
        return
    try:
        with transaction.atomic():
            ProviderToken.objects.create(provider=PROVIDER, refresh_token=str(settings.CHILDPROTECT_ZALO_REFRESH_TOKEN))
    except IntegrityError:
        pass  # made by another worker meanwhile


def _token_answer(answer: Any) -> tuple[str, str, int]:
    """(access token, refresh token, lifetime in seconds) of Zalo's answer to a refresh, or why it refused."""
    if not isinstance(answer, dict):
        raise TemporaryFailure("câu trả lời làm mới khoá của Zalo không đọc được")
    access, refresh = answer.get("access_token"), answer.get("refresh_token")
    if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
        # A refresh token refused (used already, expired after three months, revoked): nothing sends until an
        # administrator gives a new one (docs/alerts.md#zalo-zns); the message waits and is tried again meanwhile.
        reason = str(answer.get("error_name") or answer.get("error_description") or answer.get("message") or "")
        logger.error("zalo: the refresh token was refused (%s %s)", answer.get("error", ""), reason[:100])
        raise TemporaryFailure(f"Zalo không làm mới được khoá truy cập ({answer.get('error', '')} {reason[:100]})")
    try:
        lifetime = int(answer.get("expires_in", 3600))  # Zalo sends it as a string: "90000"
    except (TypeError, ValueError):
        lifetime = 3600
    return access, refresh, max(60, lifetime)


ZALO_PROVIDERS[PROVIDER] = ZnsAdapter
