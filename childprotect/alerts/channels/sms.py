"""SMS brandname gateways (Vietnam), behind the one adapter interface: chosen by CHILDPROTECT_SMS_PROVIDER
(docs/alerts.md#sms-providers).

- "esms": eSMS.vn, customer-care brandname messages (SmsType 2) by SendMultipleMessage_V4_post_json. Our message key
  is its RequestId: eSMS refuses a second request with the same RequestId (code 124), so a message sent again after
  a sender died is not sent twice. Its receipts come by HTTP GET to the CallbackUrl given with each message.
- "speedsms": SpeedSMS.vn, brandname messages (sms_type 3; 4, its shared brandname, when none is set) by
  /index.php/sms/send with HTTP Basic authentication (the access token, password "x"). It takes no request id: a
  message sent again after a sender died may arrive twice. Its receipts are POSTed (JSON) to the URL set in its
  dashboard.

Neither provider signs its receipts: the callback URL carries a secret (CHILDPROTECT_SMS_CALLBACK_SECRET) as its
`token` parameter, compared in constant time; without a secret set, every receipt is refused.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core import checks
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.crypto import constant_time_compare

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
from .registry import SMS_PROVIDERS

_E164_VN = re.compile(r"^\+84([35789]\d{8})$")  # a Vietnamese mobile number: +84 and 9 digits


def national_number(e164: str) -> str:
    """The 9 digits after +84 of a Vietnamese mobile number (a permanent failure for anything else)."""
    match = _E164_VN.match(e164.replace(" ", ""))
    if match is None:
        raise PermanentFailure(f"số điện thoại không hợp lệ: {e164[:20]}")
    return match.group(1)


def _required(**values: str) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise PermanentFailure(f"thiếu cấu hình SMS: {', '.join(missing)}")


def callback_token_check(request: HttpRequest) -> QueryDict:
    """The callback's parameters (its query string), once its `token` is the secret; ReceiptRejected otherwise.

    A provider that appends its own "?…" to a URL that already has a query makes `token=SECRET?SMSID=…`: what follows
    the secret is read as parameters too."""
    secret = settings.CHILDPROTECT_SMS_CALLBACK_SECRET
    params = request.GET.copy()
    token = params.get("token", "")
    token, sep, rest = token.partition("?")
    if sep:
        params.update(QueryDict(rest))
    if not secret or not token or not constant_time_compare(token, secret):
        raise ReceiptRejected("thiếu mã bí mật hoặc mã bí mật sai")
    return params


def callback_url(provider: str) -> str:
    """The receipt callback's URL for `provider`, with the secret token ("" when no secret is set: no receipts)."""
    secret = settings.CHILDPROTECT_SMS_CALLBACK_SECRET
    if not secret:
        return ""
    path = reverse("alerts:receipt", kwargs={"channel": "sms", "provider": provider})
    return f"{str(settings.CHILDPROTECT_SITE_URL).rstrip('/')}{path}?token={secret}"


# --- eSMS.vn --------------------------------------------------------------------------------------------------------

ESMS_URL = "https://rest.esms.vn/MainService.svc/json"
ESMS_DUPLICATE = "124"  # the RequestId was sent already: the message was accepted then
# CodeResult -> what it means (docs: esms-api/table-of-error-codes). Not in TEMPORARY: permanent.
ESMS_CODES = {
    "99": "số điện thoại bị chặn",
    "101": "sai ApiKey hoặc SecretKey",
    "102": "chưa có bảng giá",
    "103": "tài khoản không đủ số dư",
    "104": "brandname không tồn tại",
    "108": "số điện thoại sai định dạng",
    "140": "IP máy chủ chưa được eSMS cho phép",
    "146": "sai mẫu tin chăm sóc khách hàng",
    "177": "brandname chưa đăng ký với nhà mạng",
    "300": "thiếu loại tin nhắn",
}
# A balance can be topped up: the message waits (with backoff, CHILDPROTECT_ALERT_MAX_ATTEMPTS) rather than is lost.
ESMS_TEMPORARY = {"103"}


class EsmsAdapter:
    channel = "sms"
    provider = "esms"

    def __init__(self, *, url: str, api_key: str, secret_key: str, brandname: str, unicode: bool, timeout: float):
        self.url = url.rstrip("/")
        self.api_key, self.secret_key, self.brandname = api_key, secret_key, brandname
        self.unicode, self.timeout = unicode, timeout

    def send(self, message: Message) -> Sent:
        _required(CHILDPROTECT_SMS_API_KEY=self.api_key, CHILDPROTECT_SMS_SECRET_KEY=self.secret_key,
                  CHILDPROTECT_SMS_BRANDNAME=self.brandname)  # fmt: skip
        payload = {
            "ApiKey": self.api_key,
            "SecretKey": self.secret_key,
            "Phone": "0" + national_number(message.to),
            "Content": message.text,
            "Brandname": self.brandname,
            "SmsType": "2",
            "IsUnicode": "1" if self.unicode else "0",
            "RequestId": message.key,
        }
        callback = callback_url(self.provider)
        if callback:
            payload["CallbackUrl"] = callback
        answer = post_json(f"{self.url}/SendMultipleMessage_V4_post_json/", payload, timeout=self.timeout)
        if not isinstance(answer, dict):
            raise PermanentFailure(f"eSMS: câu trả lời không đọc được: {str(answer)[:200]}")
        code = str(answer.get("CodeResult", ""))
        if code == "100":
            return Sent(provider_id=str(answer.get("SMSID") or ""))
        if code == ESMS_DUPLICATE:  # accepted at an earlier attempt; its receipt names this RequestId
            return Sent(provider_id=message.key)
        raise _refusal("eSMS", code, ESMS_CODES.get(code) or answer.get("ErrorMessage"), ESMS_TEMPORARY)

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        """eSMS calls the CallbackUrl by GET: SMSID, SendStatus (4 refused, 5 done; 1, 2, 7 not yet final),
        SendSuccess and SendFailed (counts of recipients), RequestId (ours)."""
        params = callback_token_check(request)
        sms_id = params.get("SMSID", "").strip()
        try:
            status = int(params.get("SendStatus", ""))
            succeeded = int(params.get("SendSuccess") or 0)
            failed = int(params.get("SendFailed") or 0)
        except ValueError as exc:
            raise ReceiptRejected("biên nhận eSMS không đọc được") from exc
        if not sms_id:
            raise ReceiptRejected("biên nhận eSMS thiếu SMSID")
        if status == 5 and succeeded > 0:
            delivered, error = True, ""
        elif status == 4 or (status == 5 and failed > 0):
            delivered, error = False, f"eSMS: không gửi được (SendStatus {status})"
        else:
            return []  # not final yet
        ids = [sms_id]
        request_id = params.get("RequestId", "").strip()
        if request_id.startswith("cp-"):  # a message accepted at an earlier attempt is recorded by its RequestId
            ids.append(request_id)
        return [Receipt(provider_id=i, delivered=delivered, error=error) for i in ids]


# --- SpeedSMS.vn ----------------------------------------------------------------------------------------------------

SPEEDSMS_URL = "https://api.speedsms.vn/index.php"
SPEEDSMS_CODES = {
    "007": "IP bị khoá",
    "008": "tài khoản bị khoá",
    "009": "tài khoản không được gọi API",
    "101": "tham số sai hoặc thiếu",
    "105": "số điện thoại không hợp lệ",
    "110": "không hỗ trợ bảng mã của nội dung",
    "113": "nội dung quá dài",
    "300": "tài khoản không đủ số dư",
    "500": "lỗi hệ thống của SpeedSMS",
}
SPEEDSMS_TEMPORARY = {"300", "500"}


class SpeedSmsAdapter:
    channel = "sms"
    provider = "speedsms"

    def __init__(self, *, url: str, token: str, brandname: str, timeout: float):
        self.url = url.rstrip("/")
        self.token, self.brandname, self.timeout = token, brandname, timeout

    def send(self, message: Message) -> Sent:
        _required(CHILDPROTECT_SMS_API_KEY=self.token)
        phone = "84" + national_number(message.to)
        payload: dict[str, Any] = {"to": [phone], "content": message.text}
        if self.brandname:
            payload |= {"sms_type": 3, "sender": self.brandname}
        else:
            payload["sms_type"] = 4  # SpeedSMS's own brandname (Notify / Verify)
        auth = base64.b64encode(f"{self.token}:x".encode()).decode()
        answer = post_json(f"{self.url}/sms/send", payload, headers={"Authorization": f"Basic {auth}"},
                           timeout=self.timeout)  # fmt: skip
        if not isinstance(answer, dict):
            raise PermanentFailure(f"SpeedSMS: câu trả lời không đọc được: {str(answer)[:200]}")
        code = str(answer.get("code", ""))
        data = answer.get("data")
        if answer.get("status") == "success" and isinstance(data, dict):
            if phone in (data.get("invalidPhone") or []):
                raise PermanentFailure("SpeedSMS: số điện thoại không hợp lệ")
            if data.get("tranId") in (None, ""):
                raise PermanentFailure(f"SpeedSMS: câu trả lời không có tranId: {str(answer)[:200]}")
            return Sent(provider_id=str(data["tranId"]))
        raise _refusal("SpeedSMS", code, SPEEDSMS_CODES.get(code) or answer.get("message"), SPEEDSMS_TEMPORARY)

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        """SpeedSMS POSTs one JSON report per message: {"type": "report", "tranId": …, "phone": …, "status": 0}
        (0: delivered; another status: not delivered)."""
        import json

        callback_token_check(request)
        if request.method != "POST":
            raise ReceiptRejected("biên nhận SpeedSMS phải gửi bằng POST")
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ReceiptRejected("biên nhận SpeedSMS không đọc được") from exc
        reports = body if isinstance(body, list) else [body]
        found: list[Receipt] = []
        for report in reports:
            if not isinstance(report, dict) or report.get("type") != "report":
                raise ReceiptRejected("biên nhận SpeedSMS không đúng dạng")
            tran_id, status = report.get("tranId"), report.get("status")
            if tran_id in (None, "") or isinstance(status, bool) or not isinstance(status, int | str):
                raise ReceiptRejected("biên nhận SpeedSMS thiếu tranId hoặc status")
            try:
                delivered = int(status) == 0
            except ValueError as exc:
                raise ReceiptRejected("biên nhận SpeedSMS có status không đọc được") from exc
            error = "" if delivered else f"SpeedSMS: không đến được máy người nhận (status {status})"
            found.append(Receipt(provider_id=str(tran_id), delivered=delivered, error=error))
        return found


# --- registration ---------------------------------------------------------------------------------------------------


def _esms() -> EsmsAdapter:
    return EsmsAdapter(
        url=settings.CHILDPROTECT_SMS_API_URL or ESMS_URL,
        api_key=settings.CHILDPROTECT_SMS_API_KEY,
        secret_key=settings.CHILDPROTECT_SMS_SECRET_KEY,
        brandname=settings.CHILDPROTECT_SMS_BRANDNAME,
        unicode=settings.CHILDPROTECT_SMS_UNICODE,
        timeout=settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT,
    )


def _speedsms() -> SpeedSmsAdapter:
    return SpeedSmsAdapter(
        url=settings.CHILDPROTECT_SMS_API_URL or SPEEDSMS_URL,
        token=settings.CHILDPROTECT_SMS_API_KEY,
        brandname=settings.CHILDPROTECT_SMS_BRANDNAME,
        timeout=settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT,
    )


def _refusal(provider: str, code: str, detail: object, temporary: Collection[str]) -> DeliveryError:
    """A gateway's refusal of a message by its error code: tried again later for the codes in `temporary`, never
    otherwise (an unknown code included), with the code and its meaning as the error."""
    error = f"{provider} {code or '?'}: {detail or 'mã lỗi không rõ'}"[:300]
    return TemporaryFailure(error) if code in temporary else PermanentFailure(error)


SMS_PROVIDERS.update({"esms": _esms, "speedsms": _speedsms})

_NEEDED = {
    "esms": ("CHILDPROTECT_SMS_API_KEY", "CHILDPROTECT_SMS_SECRET_KEY", "CHILDPROTECT_SMS_BRANDNAME"),
    "speedsms": ("CHILDPROTECT_SMS_API_KEY",),
}


def check_sms_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check` (and every start) warns of an SMS setting that would lose alerts: a provider we do not know
    (the channel is off), a missing key (every message fails), no callback secret (no receipts)."""
    provider = settings.CHILDPROTECT_SMS_PROVIDER
    if not provider:
        return []
    if provider not in SMS_PROVIDERS:
        known = ", ".join(sorted(SMS_PROVIDERS))
        return [checks.Warning(f"CHILDPROTECT_SMS_PROVIDER={provider!r} is no SMS provider ({known}): SMS is off",
                               id="alerts.W001")]  # fmt: skip
    if provider not in _NEEDED:  # "file" (make run), an extension's: nothing leaves, no receipt comes
        return []
    found: list[checks.CheckMessage] = [
        checks.Warning(f"{name} is empty: every SMS by {provider} will fail", id="alerts.W002")
        for name in _NEEDED[provider]
        if not getattr(settings, name)
    ]
    if not settings.CHILDPROTECT_SMS_CALLBACK_SECRET:
        found.append(checks.Warning("CHILDPROTECT_SMS_CALLBACK_SECRET is empty: SMS delivery receipts are refused",
                                    id="alerts.W003"))  # fmt: skip
    return found
