from __future__ import annotations

from django.urls import path, re_path
from rest_framework.permissions import AllowAny

from .docs import RedocView, SchemaView, SwaggerView
from .reading import views as reading
from .reading.missing import MissingView

app_name = "api"

docs = {"permission_classes": [AllowAny], "authentication_classes": [], "throttle_classes": []}

urlpatterns = [
    path("v1/schema/", SchemaView.as_view(**docs), name="schema"),
    path("v1/docs/", SwaggerView.as_view(url_name="api:schema", **docs), name="docs"),
    path("v1/redoc/", RedocView.as_view(url_name="api:schema", **docs), name="redoc"),
    # The reads of the product's own clients (docs/api.md#reading).
    path("v1/work/", reading.WorkView.as_view(), name="work"),
    path("v1/cases/", reading.CaseListView.as_view(), name="case_list"),
    path("v1/cases/<id:pk>/", reading.CaseDetailView.as_view(), name="case_detail"),
    path("v1/children/", reading.ChildListView.as_view(), name="child_list"),
    path("v1/children/<id:pk>/", reading.ChildDetailView.as_view(), name="child_detail"),
]

# Last, after every endpoint: any other address under v1/ is the API's JSON 404 (api/reading/missing.py).
urlpatterns.append(re_path(r"^v1/", MissingView.as_view(), name="missing"))
