"""Password validators whose messages Django does not give in Vietnamese."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in Vietnamese: Django 5.2 changed the message's msgid and its Vietnamese catalogue
    still has only the old one, so the error would show in English."""

    def get_error_message(self) -> str:
        return _("Mật khẩu này quá ngắn: cần ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}
