"""Official forms as PDF (being written)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def case_form_pdf(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    raise Http404


def report_form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
