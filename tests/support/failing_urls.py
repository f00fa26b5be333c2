"""A URLconf for the error and log tests (set with @pytest.mark.urls): views that log and fail on purpose, beside
the project's own URLs. A form posted to `boom/` carries a child's name, which the error's message quotes as a
database error's DETAIL does."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path

from childprotect.urls import urlpatterns as project_urlpatterns

logger = logging.getLogger("tests.failing")


class ChildSaveError(Exception):
    pass


def boom(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("child_name", "")
    logger.info("đang lưu hồ sơ")
    raise ChildSaveError(f"DETAIL: Key (full_name)=({name}) already exists.")


def logged(request: HttpRequest) -> HttpResponse:
    logger.info("đã xem trang thử")
    if request.GET.get("fail"):
        raise RuntimeError("lỗi thử")
    return HttpResponse("ok")


urlpatterns = [path("test/boom/", boom), path("test/logged/", logged), *project_urlpatterns]
