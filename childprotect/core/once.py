"""Every create form carries a one-time token, so that a form sent twice creates one record.

The form page renders `{% form_token %}` (a hidden field with a fresh random token, or the posted one when the page
is shown again with errors). The view is decorated with `@create_form` and calls its service through
`save_once(request, create, url=...)`: the token is written (unique) in the same transaction as the record, with the
record's address. Sending the same token again (Back, then Save; a double click; two tabs) finds it and goes to the
record already made, with a message; two submissions of one token at the same moment make exactly one record (the
second insert of the token waits for the first transaction and fails on the unique constraint). A failed create
rolls the token back with it, so the user can correct the form and send it again. A POST without a token (scripts,
an old page) is saved as before.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from childprotect.http import AuthenticatedRequest

from .models import FormSubmission

T = TypeVar("T")
FIELD = "form_token"
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class AlreadySaved(Exception):
    """The posted token was consumed by another submission (raised inside save_once, handled by @create_form)."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def posted_token(request: HttpRequest) -> str:
    token = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return token if _VALID.match(token) else ""


def replay(request: HttpRequest) -> HttpResponse | None:
    """The response to a token already consumed: the record it made, with a message; None for a fresh token."""
    token = posted_token(request)
    done = FormSubmission.objects.filter(token=token).first() if token else None
    if done is None:
        return None
    if done.user_id != request.user.pk:
        raise PermissionDenied(_("Biểu mẫu này đã được gửi từ một tài khoản khác; hãy mở lại trang."))
    messages.info(request, _("Hồ sơ này đã được lưu trước đó; đây là hồ sơ đã tạo, không có bản mới nào được tạo."))
    return redirect(done.url or "home")


def save_once(request: AuthenticatedRequest, create: Callable[[], T], *, url: Callable[[T], str]) -> T:
    """`create()` and the consumption of the posted token, in one transaction. Raises AlreadySaved on a replay."""
    token = posted_token(request)
    if not token:
        return create()
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint, so that a replay leaves nothing behind
                row = FormSubmission.objects.create(token=token, user=request.user)
        except IntegrityError as exc:
            raise AlreadySaved from exc
        made = create()
        row.url = url(made)[:300]
        row.save(update_fields=["url"])
    return made


def create_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A create view: a POST whose token was consumed already goes to the record made, before anything else."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and request.user.is_authenticated:
            done = replay(request)
            if done is not None:
                return done
        try:
            return view(request, *args, **kwargs)
        except AlreadySaved:
            done = replay(request)
            assert done is not None  # the token row committed before our insert could fail on it  # noqa: S101
            return done

    return wrapper


def claim_once(request: AuthenticatedRequest, *, url: str) -> bool:
    """Consume the posted token before a batch runs (a bulk action's confirmation, whose records are each saved in
    their own transaction): False when it was consumed already (the batch ran; the caller changes nothing), True
    otherwise, also without a token (scripts). Another account's token is refused, as in `replay`."""
    token = posted_token(request)
    if not token:
        return True
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=request.user, url=url[:300])
    except IntegrityError:
        done = FormSubmission.objects.filter(token=token).first()
        if done is not None and done.user_id != request.user.pk:
            raise PermissionDenied(_("Biểu mẫu này đã được gửi từ một tài khoản khác; hãy mở lại trang.")) from None
        return False
    return True
