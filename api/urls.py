from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from .report_views import ReportCreate, ReportStatusView

app_name = "api"

docs = {"permission_classes": [AllowAny], "authentication_classes": [], "throttle_classes": []}

urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(**docs), name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", **docs), name="docs"),
    path("v1/redoc/", SpectacularRedocView.as_view(url_name="api:schema", **docs), name="redoc"),
    path("v1/reports/", ReportCreate.as_view(), name="report_create"),
    path("v1/reports/<str:reference>/", ReportStatusView.as_view(), name="report_status"),
]
