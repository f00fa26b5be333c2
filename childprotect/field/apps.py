from __future__ import annotations

from django.apps import AppConfig


class FieldConfig(AppConfig):
    """The offline field app's pages (docs/field.md): the shell at /field/, its service worker and its web app
    manifest. The screens and the encrypted store are static files (static/field/); the data comes from the API."""

    name = "childprotect.field"
    label = "field"
    verbose_name = "Ứng dụng ngoại tuyến"
