from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import webhook_views

app_name = "api"

docs = {"permission_classes": [AllowAny], "authentication_classes": [], "throttle_classes": []}

urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(**docs), name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", **docs), name="docs"),
    path("v1/redoc/", SpectacularRedocView.as_view(url_name="api:schema", **docs), name="redoc"),
    # The administrators' log of the webhook events (docs/api.md#webhooks).
    path("webhooks/", webhook_views.webhook_list, name="webhook_list"),
    path("webhooks/<id:pk>/", webhook_views.webhook_detail, name="webhook_detail"),
    path("webhooks/<id:pk>/replay/", webhook_views.webhook_replay, name="webhook_replay"),
]
