from __future__ import annotations

from django.urls import path

from . import views

# Outside any namespace and at the root, where probes look for them (SECURE_REDIRECT_EXEMPT names these paths).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
