"""The certificate upload and the signing form. Secret fields are PasswordInput without render_value: a refused form
never sends the passphrase back to the browser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from childprotect.forms import StyledForm

from .models import SigningCertificate


class CertificateUploadForm(StyledForm):
    file = forms.FileField(label=_("Tệp chứng thư số (.p12, .pfx)"))
    passphrase = forms.CharField(
        label=_("Mật khẩu của tệp"),
        strip=False,
        required=False,  # a file without one is refused by the service, with its own words
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text=_("Dùng để mở tệp và mã hoá lại khoá bí mật; không được lưu. Bạn nhập lại mật khẩu mỗi lần ký."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > settings.CHILDPROTECT_SIGNING_MAX_FILE_BYTES:  # refused before it is read
            raise forms.ValidationError(_("Tệp chứng thư số quá lớn: tệp PKCS#12 chỉ vài KB."))
        return upload


class SignForm(StyledForm):
    # Any id is taken here: whether the certificate is the signer's own is the service's refusal, said in words.
    certificate = forms.IntegerField(label=_("Chứng thư số"), widget=forms.Select)
    passphrase = forms.CharField(
        label=_("Mật khẩu chứng thư số (hoặc mã PIN của thiết bị ký)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, certificates: QuerySet[SigningCertificate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["certificate"].widget
        if isinstance(widget, forms.Select):
            widget.choices = [
                (c.pk, f"{c.common_name} — {c.serial} (đến {c.not_after:%d/%m/%Y})") for c in certificates
            ]


class TokenCertificateForm(StyledForm):
    """A key and certificate on the server's PKCS#11 token, by their label, read with the token's PIN."""

    label = forms.CharField(label=_("Nhãn khoá và chứng thư số trên thiết bị"), max_length=100)
    pin = forms.CharField(
        label=_("Mã PIN của thiết bị"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
