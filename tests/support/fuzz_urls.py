"""A URLconf for the fuzz's own tests (tests/security/test_api_fuzz.py): the project's, plus two throwaway writes
under /api/v1/: one that reads its body through a serializer with Vietnamese messages, one that reads it carelessly.
The fuzz must pass the first and catch the second."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api import urls as api_urls
from api.base import ApiView
from api.permissions import PersonOnly
from api.reading.serializers import NUMBER, TEXT, Text
from childprotect.urls import urlpatterns as project

REQUIRED = {"required": "Bắt buộc phải có."}


class Body(serializers.Serializer[Any]):
    # DRF's words for a body that is no object (its Vietnamese catalogue has none): every write's serializer needs them.
    default_error_messages = {"null": "Không có nội dung.", "invalid": "Nội dung phải là một đối tượng JSON."}
    count = serializers.IntegerField(min_value=1, max_value=10, error_messages={**NUMBER, **REQUIRED})
    name = Text(max_length=20, error_messages={**TEXT, **REQUIRED})


class Careful(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(request=Body, responses={201: Body})
    def post(self, request: Request) -> Response:
        body = Body(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(body.validated_data, status=201)  # writes nothing: a bad body never gets here


class Careless(Careful):
    @extend_schema(request=Body, responses={201: Body})
    def post(self, request: Request) -> Response:
        return Response({"count": int(request.data["count"]) + 1}, status=201)


writes: list[URLPattern | URLResolver] = [
    path("v1/careful/", Careful.as_view(), name="careful"),
    path("v1/careless/", Careless.as_view(), name="careless"),
]
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", include(([*writes, *api_urls.urlpatterns], "api"))),
    *(p for p in project if isinstance(p, URLPattern | URLResolver) and str(p.pattern) != "api/"),
]
