from __future__ import annotations

import re

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from childprotect.http import AuthenticatedRequest

from .security import (
    confirmed_device,
    device_confirm,
    device_qr_svg,
    device_secret,
    device_start,
    devices_remove,
    is_verified,
    session_mark_device,
    token_check,
    two_factor_record_verified,
    two_factor_required,
)


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/profile.html",
        {
            "ancestors": request.user.unit.ancestors() if request.user.unit else [],
            "two_factor_device": confirmed_device(request.user),
            "two_factor_required": two_factor_required(request.user),
        },
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Mã xác thực (6 chữ số)"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s+", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Mã xác thực gồm đúng 6 chữ số."))
        return token


def _next_url(request: AuthenticatedRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
def two_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Xác thực hai bước: scan the QR code (or type the secret), confirm with a code; the device is then on."""
    next_url = _next_url(request, reverse("profile"))
    if confirmed_device(request.user) is not None:
        if is_verified(request.user):
            messages.info(request, _("Xác thực hai bước đã được bật cho tài khoản này."))
            return redirect("profile")
        session_mark_device(request, True)  # turned on in another session: this one owes a code too
        return HttpResponseRedirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
    device = device_start(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = token_check(user=request.user, device=device, token=form.cleaned_data["token"], purpose="setup")
        if error:
            form.add_error("token", error)
        else:
            device_confirm(actor=request.user, device=device)
            django_otp.login(request, device)
            session_mark_device(request, True)
            messages.success(
                request, _("Đã bật xác thực hai bước. Từ nay, sau mật khẩu bạn sẽ nhập mã từ ứng dụng xác thực.")
            )
            return HttpResponseRedirect(next_url)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": device_qr_svg(device),
            "secret": device_secret(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            "required": two_factor_required(request.user),
            "next": next_url,
        },
    )


@login_required
def two_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    """The step after the password for a user with a device: the code from the app."""
    next_url = _next_url(request, reverse(settings.LOGIN_REDIRECT_URL))
    if is_verified(request.user):
        return HttpResponseRedirect(next_url)
    device = confirmed_device(request.user)
    if device is None:  # removed meanwhile (e.g. by an administrator after a lost phone)
        session_mark_device(request, False)
        return HttpResponseRedirect(next_url)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = token_check(user=request.user, device=device, token=form.cleaned_data["token"], purpose="login")
        if error:
            form.add_error("token", error)
        else:
            django_otp.login(request, device)
            two_factor_record_verified(actor=request.user)
            return HttpResponseRedirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


@login_required
@require_POST
def two_factor_disable(request: AuthenticatedRequest) -> HttpResponse:
    """Turn two-factor off (e.g. before moving to a new phone): a current code is asked for."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("profile")
    form = TokenForm(request.POST)
    error: str | None
    if not form.is_valid():
        error = " ".join(str(message) for message in form.errors.get("token", []))
    else:
        error = token_check(user=request.user, device=device, token=form.cleaned_data["token"], purpose="disable")
    if error:
        messages.error(request, error)
        return redirect("profile")
    devices_remove(actor=request.user)
    session_mark_device(request, False)
    if two_factor_required(request.user):
        messages.warning(request, _("Vai trò của bạn bắt buộc xác thực hai bước: hãy thiết lập lại ngay."))
        return redirect("two_factor_setup")
    messages.success(request, _("Đã tắt xác thực hai bước."))
    return redirect("profile")
