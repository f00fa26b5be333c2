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
    backup_code_check,
    backup_codes_create,
    backup_codes_left,
    confirmed_device,
    device_confirm,
    device_qr_svg,
    device_secret,
    device_start,
    devices_remove,
    is_backup_code,
    is_verified,
    password_check,
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
            "backup_codes_left": backup_codes_left(request.user),
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


class VerifyForm(forms.Form):
    """After the password: the app's 6 digits, or one of the backup codes (10 letters and digits)."""

    token = forms.CharField(
        label=gettext_lazy("Mã xác thực (6 chữ số) hoặc mã dự phòng"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s+", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token) and not is_backup_code(token):
            raise forms.ValidationError(
                _("Nhập mã 6 chữ số từ ứng dụng, hoặc một mã dự phòng 10 ký tự (ví dụ ABCDE-23456).")
            )
        return token


class ConfirmForm(forms.Form):
    """Making new backup codes: the password, or a current code from the app."""

    confirmation = forms.CharField(
        label=gettext_lazy("Mật khẩu hoặc mã xác thực hiện tại"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


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
            # The codes exist in clear only in this response: shown once, never stored (a reload posts again and
            # finds two-factor already on).
            return _backup_codes_page(request, backup_codes_create(actor=request.user), next_url)
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
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        backup = is_backup_code(token)
        if backup:
            error = backup_code_check(user=request.user, device=device, code=token)
        else:
            error = token_check(user=request.user, device=device, token=token, purpose="login")
        if error:
            form.add_error("token", error)
        else:
            django_otp.login(request, device)
            two_factor_record_verified(actor=request.user)
            if backup:
                _tell_backup_codes_left(request)
            return HttpResponseRedirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


def _tell_backup_codes_left(request: AuthenticatedRequest) -> None:
    left = backup_codes_left(request.user)
    text = _("Bạn vừa dùng một mã dự phòng; mã đó không dùng lại được. Còn %(left)s mã dự phòng.") % {"left": left}
    if left <= settings.CHILDPROTECT_2FA_BACKUP_CODES_LOW:
        text += " " + _(
            "Sắp hết mã dự phòng: hãy tạo bộ mã mới tại Tài khoản của tôi → Xác thực hai bước, "
            "và kiểm tra lại ứng dụng xác thực trên điện thoại."
        )
        messages.warning(request, text)
    else:
        messages.info(request, text)


def _backup_codes_page(request: AuthenticatedRequest, codes: list[str], next_url: str) -> HttpResponse:
    return render(
        request,
        "accounts/two_factor_backup_codes.html",
        {"codes": codes, "next": next_url, "left": backup_codes_left(request.user)},
    )


@login_required
def two_factor_backup_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Mã dự phòng: how many are left; a new set (the old ones stop working) after the password or a current code."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("profile")
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data["confirmation"]
        if re.fullmatch(r"\d{6}", value.strip()):
            error = token_check(user=request.user, device=device, token=value.strip(), purpose="backup_codes")
        else:
            error = password_check(user=request.user, device=device, password=value, purpose="backup_codes")
        if error:
            form.add_error("confirmation", error)
        else:
            return _backup_codes_page(request, backup_codes_create(actor=request.user), reverse("profile"))
    return render(
        request,
        "accounts/two_factor_backup_codes.html",
        {"codes": None, "form": form, "left": backup_codes_left(request.user)},
    )


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
