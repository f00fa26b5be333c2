from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "childprotect.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và vai trò"

    def ready(self) -> None:
        from childprotect.core.imports import register

        from . import security  # noqa: F401  (the lockout audit and the sign-in device check: signal receivers)
        from .imports import AccountImporter

        register(AccountImporter())
