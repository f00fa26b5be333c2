from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "childprotect.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và vai trò"

    def ready(self) -> None:
        # The lockout audit and the sign-in device check are signal receivers defined with the security backend.
        from . import security  # noqa: F401
