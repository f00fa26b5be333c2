from __future__ import annotations

from django.urls import path, re_path
from rest_framework.permissions import AllowAny

from . import client_views, field, webhook_views
from .docs import SchemaView, SwaggerView
from .me import MeView
from .reading import views as reading
from .reading.missing import MissingView
from .report_views import ReportCreate, ReportStatusView

app_name = "api"

docs = {"permission_classes": [AllowAny], "authentication_classes": [], "throttle_classes": []}

urlpatterns = [
    path("v1/schema/", SchemaView.as_view(**docs), name="schema"),
    path("v1/docs/", SwaggerView.as_view(url_name="api:schema", **docs), name="docs"),
    # The reads of the product's own clients (docs/api.md#reading).
    path("v1/work/", reading.WorkView.as_view(), name="work"),
    path("v1/cases/", reading.CaseListView.as_view(), name="case_list"),
    path("v1/cases/<id:pk>/", reading.CaseDetailView.as_view(), name="case_detail"),
    path("v1/cases/<id:pk>/steps/", field.CaseStepView.as_view(), name="case_steps"),
    path("v1/children/", field.ChildListCreate.as_view(), name="child_list"),
    path("v1/children/<id:pk>/", reading.ChildDetailView.as_view(), name="child_detail"),
    path("v1/reports/", ReportCreate.as_view(), name="report_create"),
    path("v1/reports/<str:reference>/", ReportStatusView.as_view(), name="report_status"),
    path("v1/me/", MeView.as_view(), name="me"),
    # The offline field app (docs/api.md#the-field-app): what it needs offline; its writes are above.
    path("v1/field/", field.FieldView.as_view(), name="field"),
    # The administrators' pages of API clients and a person's own tokens (server-rendered, docs/api.md#clients).
    path("clients/", client_views.client_list, name="client_list"),
    path("clients/new/", client_views.client_create, name="client_create"),
    path("clients/<id:pk>/", client_views.client_detail, name="client_detail"),
    path("tokens/", client_views.token_list, name="token_list"),
    # The administrators' log of the webhook events (docs/api.md#webhooks).
    path("webhooks/", webhook_views.webhook_list, name="webhook_list"),
    path("webhooks/<id:pk>/", webhook_views.webhook_detail, name="webhook_detail"),
    path("webhooks/<id:pk>/replay/", webhook_views.webhook_replay, name="webhook_replay"),
]

# Last, after every endpoint: any other address under v1/ is the API's JSON 404 (api/reading/missing.py).
urlpatterns.append(re_path(r"^v1/", MissingView.as_view(), name="missing"))
