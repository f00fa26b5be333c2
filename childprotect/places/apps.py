from __future__ import annotations

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "childprotect.places"
    label = "places"
    verbose_name = "Đơn vị hành chính"
