"""`Idempotency-Key` (docs/api.md#idempotency): a request sent again with the same key gets the first answer back.

The key is claimed by inserting its IdempotentRequest row first, in the transaction that does the work, and the answer
is written to that row before the commit: the unique constraint (account, key) makes a second request with the same
key wait for the first to finish, then fail to insert and replay what the first answered. A refused request rolls
back with its row, so a corrected request may reuse the key. The body is compared by the SHA-256 of its canonical
JSON (keys sorted), so the same key with another body is refused (409) rather than answered with another report.

`once` does the whole dance for a view (reports, children, the field app's steps): the view gives the work, which
validates, writes through its services and returns the answer; a refusal it raises rolls the claim back with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from childprotect.accounts.models import User

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY = 200
REPLAYED = "Idempotent-Replayed"


class KeyTaken(Exception):
    """Another request with this key committed first: replay its answer."""


class BadKey(exceptions.APIException):
    """A header, not a field of the body: no pointer."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key"


class KeyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"
    default_detail = (
        "Mã Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác. "
        "Mỗi yêu cầu mới cần một mã mới; gửi lại đúng nội dung cũ để nhận lại kết quả lần trước."
    )


def request_key(request: Request) -> str | None:
    """The request's key; None without the header; 400 for an empty or too long one."""
    if HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not key:
        raise BadKey(f"Tiêu đề {HEADER} không được để trống (hoặc đừng gửi tiêu đề này).")
    if len(key) > MAX_KEY:
        raise BadKey(f"Tiêu đề {HEADER} dài tối đa {MAX_KEY} ký tự (đang có {len(key)}).")
    return key


def body_digest(data: Any) -> str:
    """SHA-256 of the body's canonical JSON: the same content, whatever the order of its keys or its spacing."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def find(account: User, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(account=account, key=key).first()


def replay(prior: IdempotentRequest, request: Request, digest: str) -> Response:
    """The stored answer, if the request is the same one (method, path, body); 409 otherwise."""
    if (prior.method, prior.path, prior.body_digest) != (request.method, request.path[:200], digest):
        raise KeyConflict()
    headers = {REPLAYED: "true"}
    if isinstance(prior.response, dict) and prior.response.get("status_url"):
        headers["Location"] = str(prior.response["status_url"])
    return Response(prior.response, status=prior.status_code, headers=headers)


def claim(account: User, key: str, request: Request, digest: str) -> IdempotentRequest:
    """Insert the key's row (call inside the transaction that does the work). KeyTaken when another request holds
    it: on PostgreSQL the insert waits for that request's transaction, and fails only if it committed."""
    try:
        with transaction.atomic():  # a savepoint: the failed insert is caught here
            return IdempotentRequest.objects.create(
                account=account,
                key=key,
                method=request.method or "",
                path=request.path[:200],
                body_digest=digest,
                status_code=0,
            )
    except IntegrityError as exc:
        raise KeyTaken from exc


def keep(row: IdempotentRequest, code: int, body: dict[str, Any]) -> None:
    """Store the answer on the claimed row, in the same transaction as the work it answers."""
    row.status_code, row.response = code, body
    row.save(update_fields=["status_code", "response"])


def once(
    request: Request,
    actor: User,
    work: Callable[[], dict[str, Any]],
    *,
    code: int = status.HTTP_201_CREATED,
    location: Callable[[dict[str, Any]], str | None] = lambda answer: None,
) -> Response:
    """Answer `request` with `work()` (called inside the transaction that claims the key, if the request has one) once:
    a request sent again with the same key gets the first answer back, replayed (`replay`); `work` raising rolls
    everything back, the key's claim too."""
    key = request_key(request)
    digest = body_digest(request.data)
    if key is not None and (prior := find(actor, key)) is not None:
        return replay(prior, request, digest)
    try:
        with transaction.atomic():
            claimed = claim(actor, key, request, digest) if key is not None else None
            answer = work()
            if claimed is not None:
                keep(claimed, code, answer)
    except KeyTaken:
        prior = find(actor, key or "")
        assert prior is not None  # the insert failed on a committed row  # noqa: S101
        return replay(prior, request, digest)
    where = location(answer)
    return Response(answer, status=code, headers={"Location": where} if where else None)


def expire() -> int:
    """Delete the answers kept longer than CHILDPROTECT_API_IDEMPOTENCY_DAYS (a retry after that is a new request);
    how many went."""
    cutoff = timezone.now() - dt.timedelta(days=settings.CHILDPROTECT_API_IDEMPOTENCY_DAYS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
