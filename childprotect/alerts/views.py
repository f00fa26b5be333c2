"""The link in a message (marks the alert opened, then leads to its record), the providers' receipt callbacks, and
each person's alert settings (channels per kind, quiet hours, the phone number and its verification)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from childprotect.http import AuthenticatedRequest

from .channels.base import ReceiptRejected
from .channels.registry import enabled_channels, provider_adapter
from .forms import CodeForm, PhoneForm, PreferencesForm, QuietHoursForm, field_name
from .messages import token_notification_id
from .models import PHONE_CHANNELS, Channel
from .preferences import preference_table
from .services import notification_open, receipts_record
from .settings_services import (
    code_channel,
    phone_code_check,
    phone_code_send,
    phone_set,
    preferences_save,
    profile_of,
    quiet_hours_save,
    resend_wait,
)

logger = logging.getLogger(__name__)


@require_GET
def opened(request: HttpRequest, token: str) -> HttpResponse:
    """No login is asked to mark an alert opened (the link is the recipient's, and says nothing); the record it
    leads to asks for one, and the selectors decide what it shows."""
    pk = token_notification_id(token)
    notification = notification_open(pk) if pk is not None else None
    if notification is None:
        raise Http404
    url = notification.url if url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None) else ""
    return HttpResponseRedirect(url or reverse("home"))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest, channel: str, provider: str) -> HttpResponse:
    """A provider's delivery receipts: read only after its signature (or secret token) is checked (a forged one
    changes nothing). GET too: eSMS calls its CallbackUrl by GET (docs/alerts.md#sms-providers)."""
    found = provider_adapter(channel, provider)
    if found is None:
        raise Http404
    try:
        receipts = found.receipts(request)
    except ReceiptRejected as exc:
        logger.warning("receipt callback refused (%s/%s): %s", channel, provider, exc)
        return JsonResponse({"error": "rejected"}, status=403)
    return JsonResponse({"recorded": receipts_record(found.provider, receipts)})


# --- the person's alert settings (account menu) -------------------------------------------------------------------


def _settings_page(
    request: AuthenticatedRequest,
    *,
    prefs_form: PreferencesForm | None = None,
    quiet_form: QuietHoursForm | None = None,
    phone_form: PhoneForm | None = None,
    code_form: CodeForm | None = None,
    stale: list[str] | None = None,
) -> HttpResponse:
    """The page, with the forms given (bound, showing their errors) and the others as saved now; `stale`: the
    refusal of a form posted from an older version (the page then shows what is saved now)."""
    user = request.user
    profile = profile_of(user)
    enabled = enabled_channels()
    table = preference_table(user.pk, user.role)
    current = {kind: channels for kind, _, channels, _ in table}
    prefs_form = prefs_form or PreferencesForm(initial={"version": profile.version}, current=current, enabled=enabled)
    quiet_form = quiet_form or QuietHoursForm(
        initial={"quiet_start": profile.quiet_start, "quiet_end": profile.quiet_end, "version": profile.version}
    )
    rows = [
        {
            "label": label,
            "default": default,
            "cells": [{"field": prefs_form[field_name(kind, c)], "channel": c} for c in Channel.values],
        }
        for kind, label, _, default in table
    ]
    columns = [
        {"value": c.value, "label": c.label, "enabled": c.value in enabled, "phone": c in PHONE_CHANNELS}
        for c in Channel
    ]
    return render(
        request,
        "alerts/settings.html",
        {
            "profile": profile,
            "rows": rows,
            "columns": columns,
            "prefs_form": prefs_form,
            "quiet_form": quiet_form,
            "phone_form": phone_form or PhoneForm(initial={"phone": profile.phone}),
            "code_form": code_form or CodeForm(),
            "code_channel": code_channel(),
            "code_pending": bool(profile.code_hash),
            "resend_wait": resend_wait(profile, timezone.now()),
            "code_minutes": settings.CHILDPROTECT_PHONE_CODE_MINUTES,
            "stale": stale or [],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def alert_settings(request: AuthenticatedRequest) -> HttpResponse:
    """The person's channels per kind of alert, quiet hours and phone number; a POST saves the channels."""
    if request.method != "POST":
        return _settings_page(request)
    user = request.user
    table = preference_table(user.pk, user.role)
    form = PreferencesForm(
        request.POST, current={kind: channels for kind, _, channels, _ in table}, enabled=enabled_channels()
    )
    if not form.is_valid():
        return _settings_page(request, prefs_form=form)
    return _saved(
        request,
        form,
        "prefs_form",
        lambda: preferences_save(actor=user, chosen=form.chosen(), version=form.cleaned_data["version"]),
        _("Đã lưu kênh nhận thông báo."),
    )


def _saved(request: AuthenticatedRequest, form: Any, name: str, save: Callable[[], bool], done: str) -> HttpResponse:
    """Run a versioned save of the settings page: a stale version shows the page as saved now, with why; another
    refusal shows the form (`name` in the page's context) with it; success goes back to the page, saying so."""
    try:
        changed = save()
    except ValidationError as exc:
        if getattr(exc, "code", None) == "stale":
            return _settings_page(request, stale=exc.messages)
        form.add_error(None, exc)
        return _settings_page(request, **{name: form})
    if changed:
        messages.success(request, done)
    else:
        messages.info(request, _("Không có thay đổi nào để lưu."))
    return redirect("alerts:settings")


@login_required
@require_POST
def quiet_hours(request: AuthenticatedRequest) -> HttpResponse:
    form = QuietHoursForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, quiet_form=form)
    data = form.cleaned_data
    return _saved(
        request,
        form,
        "quiet_form",
        lambda: quiet_hours_save(
            actor=request.user, start=data["quiet_start"], end=data["quiet_end"], version=data["version"]
        ),
        _("Đã lưu giờ yên lặng."),
    )


@login_required
@require_POST
def phone(request: AuthenticatedRequest) -> HttpResponse:
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, phone_form=form)
    try:
        changed = phone_set(actor=request.user, raw=form.cleaned_data["phone"])
    except ValidationError as exc:
        form.add_error("phone", exc)
        return _settings_page(request, phone_form=form)
    if not changed:
        messages.info(request, _("Số điện thoại không thay đổi."))
    elif form.cleaned_data["phone"]:
        messages.success(request, _("Đã lưu số điện thoại. Hãy xác minh số này để nhận tin nhắn SMS và Zalo."))
    else:
        messages.success(request, _("Đã xoá số điện thoại: bạn sẽ không nhận tin nhắn SMS và Zalo."))
    return redirect("alerts:settings")


@login_required
@require_POST
def phone_code(request: AuthenticatedRequest) -> HttpResponse:
    """Send a verification code to the person's number."""
    try:
        phone_code_send(actor=request.user)
    except ValidationError as exc:
        return _settings_page(request, code_form=_refused(*exc.messages))
    messages.success(
        request,
        _("Đã gửi mã xác minh đến số điện thoại của bạn; mã có hiệu lực %(minutes)s phút.")
        % {"minutes": settings.CHILDPROTECT_PHONE_CODE_MINUTES},
    )
    return redirect(reverse("alerts:settings") + "#phone")


@sensitive_post_parameters("code")
@login_required
@require_POST
def phone_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The code typed back: the number is verified, or the refusal says why (a wrong code is counted)."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, code_form=_refused(*(str(e) for errors in form.errors.values() for e in errors)))
    try:
        phone_code_check(actor=request.user, code=form.cleaned_data["code"])
    except ValidationError as exc:
        return _settings_page(request, code_form=_refused(*exc.messages))
    messages.success(request, _("Đã xác minh số điện thoại: bạn sẽ nhận tin nhắn SMS và Zalo theo lựa chọn của mình."))
    return redirect(reverse("alerts:settings") + "#phone")


def _refused(*errors: str) -> CodeForm:
    """The code's form, empty (a code typed is never sent back to the browser), with why it was refused."""
    form = CodeForm()
    form.cleaned_data = {}  # an unbound form takes errors once it has (empty) cleaned data
    form.add_error(None, list(errors))
    return form
