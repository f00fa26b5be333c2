"""Lists out as spreadsheets (XLSX, CSV): the shared part of the children, reports, cases and referrals exports.

An export is exactly the filtered list the user sees (the list page's filter form and selector, every row, no
pagination), in the list's order. What goes out cell by cell:

- text is neutralised against formula injection: a cell whose text starts with = + - @ (also after leading
  whitespace, or starting with a tab or a carriage return) gets a leading apostrophe, so no spreadsheet evaluates it;
- dates as dd/mm/yyyy, moments as dd/mm/yyyy HH:MM in Vietnam's time, yes/no as "Có"/"Không";
- a protected column (NĐ 56/2017 Đ33) is in the file only when the user asked for protected fields and may see them;
  in a row the user may not see, its cell is empty. The reporter's identity is never a column (cases/resources.py).

Each export writes one audit entry ("export.<list>") with the format, the filters, the row count and whether
protected columns went out, in the request that makes the file.

A CSV file is streamed: the byte order mark and the header line go out first, then the rows, read from the database
in chunks (`CHUNK_SIZE`), so that neither the worker's memory nor the time to the first byte grows with the list.
Its row count is one COUNT taken before the first byte, with the audit entry. An XLSX file is made whole in the
request.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import tablib
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources

from childprotect.audit.services import audit_record
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import ascii_filename

__all__ = [
    "FORMATS",
    "ExportResource",
    "cell",
    "export_format",
    "export_refused",
    "export_response",
    "neutralise",
    "wants_protected",
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: Mapping[str, str] = {"xlsx": XLSX_CONTENT_TYPE, "csv": "text/csv; charset=utf-8"}
# The characters a spreadsheet reads as the start of a formula (and their full-width forms, which some accept).
FORMULA_STARTS = frozenset("=+-@＝＋－＠")
CONTROL_STARTS = ("\t", "\r")
YES, NO = "Có", "Không"
# Query parameters of the export itself; every other one is a filter of the list.
OWN_PARAMETERS = ("format", "protected", "page")
# Rows read from the database at a time (and written out at a time) by a streamed CSV file.
CHUNK_SIZE = 1000


def neutralise(value: str) -> str:
    """Text no spreadsheet will run as a formula: a leading apostrophe before = + - @ (or tab, CR) at its start."""
    if value.startswith(CONTROL_STARTS) or value.lstrip()[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def cell(value: Any) -> Any:
    """A value as it goes into a cell: numbers stay numbers, everything else is text (neutralised)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        moment = timezone.localtime(value, TZ) if timezone.is_aware(value) else value
        return moment.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))  # str() also renders lazy translations (Promise)


def joined(values: Iterable[Any], separator: str = "; ") -> str:
    return separator.join(str(v) for v in values if v not in (None, ""))


class ExportResource(resources.ModelResource):
    """The columns of one list's export, declared as django-import-export fields with Vietnamese column names.

    A subclass names its protected columns (`protected_fields`), says whether the user may see them in a row
    (`sees_protected`), and adds the joins its columns read (`with_related`, so that no row costs a query).
    Computed columns are `dehydrate_<name>` methods; every value goes through `cell`.
    """

    protected_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, user: Any, protected: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.protected = protected
        self.now = timezone.now()
        self._row_sees_protected = False

    # --- for subclasses -----------------------------------------------------------------------------------------

    def sees_protected(self, obj: Any) -> bool:
        """Whether the user may see this row's protected columns (the policy of the row's record)."""
        return False

    def with_related(self, queryset: QuerySet[Any], *, protected: bool) -> QuerySet[Any]:
        """The list's queryset with what the columns read joined or prefetched (protected: those columns too)."""
        return queryset

    # --- the file ----------------------------------------------------------------------------------------------

    def build(self, queryset: QuerySet[Any]) -> tuple[tablib.Dataset, int, bool]:
        """The dataset of every row of the queryset, its row count, and whether protected columns are in it."""
        rows = list(self.with_related(queryset, protected=self.protected))
        protected = self.protected and any(self.sees_protected(row) for row in rows)
        names = [name for name in self.get_export_order() if protected or name not in self.protected_fields]
        # A list, not a queryset: it is read once, with its prefetches (no paging, no per-row query).
        dataset = self.export(queryset=rows, export_fields=names)
        return dataset, len(rows), protected

    def may_see_protected(self) -> bool:
        """Whether the user may see the protected columns in some row of the list, said before any row is read: a
        streamed file's header (and its audit entry) comes first. Each row still asks `sees_protected`, and its
        cells are empty when it says no. By default no: a subclass says who may."""
        return False

    def csv_chunks(self, queryset: QuerySet[Any], *, protected: bool) -> Iterator[bytes]:
        """The CSV file in pieces: the byte order mark and the header line, then the rows, `CHUNK_SIZE` at a time."""
        names = [name for name in self.get_export_order() if protected or name not in self.protected_fields]
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # the dialect tablib writes CSV with

        def flush() -> bytes:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text.encode("utf-8")

        writer.writerow(self.get_export_headers(selected_fields=names))
        # UTF-8 with a byte order mark: Excel then reads the Vietnamese letters right.
        yield codecs.BOM_UTF8 + flush()
        rows = self.with_related(queryset, protected=self.protected).iterator(chunk_size=CHUNK_SIZE)
        for number, row in enumerate(rows, start=1):
            writer.writerow(self.export_resource(row, selected_fields=names, export_fields=names))
            if number % CHUNK_SIZE == 0:
                yield flush()
        last = flush()
        if last:
            yield last

    def export_resource(self, instance: Any, selected_fields: Any = None, **kwargs: Any) -> list[Any]:
        self._row_sees_protected = self.protected and self.sees_protected(instance)
        return list(super().export_resource(instance, selected_fields=selected_fields, **kwargs))

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        name = self.get_field_name(field)
        if name in self.protected_fields and not self._row_sees_protected:
            return ""
        method = getattr(self, f"dehydrate_{name}", None)
        value = method(instance) if callable(method) else field.get_value(instance)
        return cell(value)


def export_format(request: AuthenticatedRequest) -> str | None:
    """The asked format (xlsx when none is given); None when it is not one we make."""
    fmt = request.GET.get("format", "xlsx").strip().lower() or "xlsx"
    return fmt if fmt in FORMATS else None


def wants_protected(request: AuthenticatedRequest) -> bool:
    """protected=0 (the "leave out protected fields" box) leaves them out; by default they go to who may see them."""
    return request.GET.get("protected", "1") != "0"


def list_filters(request: AuthenticatedRequest, keys: Iterable[str]) -> dict[str, Any]:
    """The list's filters as the request gave them (the keys of the list's filter form), for the audit entry."""
    filters: dict[str, Any] = {}
    for key in keys:
        values = [v[:200] for v in request.GET.getlist(key) if v.strip()]
        if values:
            filters[key] = values[0] if len(values) == 1 else values
    return filters


def export_refused(request: AuthenticatedRequest, list_url_name: str) -> HttpResponseRedirect:
    """Back to the list with its filters and a message in Vietnamese (a format we do not make)."""
    messages.error(request, _("Định dạng tệp không hợp lệ: chỉ xuất được XLSX hoặc CSV."))
    query = urlencode([(k, v) for k, vs in request.GET.lists() if k not in OWN_PARAMETERS for v in vs])
    return redirect(reverse(list_url_name) + (f"?{query}" if query else ""))


def render_dataset(dataset: tablib.Dataset, fmt: str) -> bytes:
    if fmt == "csv":
        # UTF-8 with a byte order mark: Excel then reads the Vietnamese letters right.
        return str(dataset.export("csv")).encode("utf-8-sig")
    return bytes(dataset.export("xlsx"))


def export_response(
    request: AuthenticatedRequest,
    *,
    list_url: str,
    resource: Callable[..., ExportResource],
    rows: Callable[[], QuerySet[Any]],
    action: str,
    title: str,
    basename: str,
    filter_keys: Sequence[str],
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """The file of the filtered list as an attachment (CSV streamed, XLSX whole), and its one audit entry (action
    e.g. "export.children"); `extra` goes into the entry too (e.g. that an administrator asked for the reporters'
    identity).

    A format we do not make goes back to the list (`list_url`, a URL name) before anything else; then `resource` is
    made for the user and the protected box (it may refuse), and `rows()` gives the list's filtered queryset."""
    fmt = export_format(request)
    if fmt is None:
        return export_refused(request, list_url)
    maker = resource(user=request.user, protected=wants_protected(request))
    queryset = rows()
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        protected = maker.protected and maker.may_see_protected()
        count = queryset.count()
        response = StreamingHttpResponse(maker.csv_chunks(queryset, protected=protected), content_type=FORMATS[fmt])
    else:
        dataset, count, protected = maker.build(queryset)
        dataset.title = title[:31]
        response = HttpResponse(render_dataset(dataset, fmt), content_type=FORMATS[fmt])
    filters = list_filters(request, filter_keys)
    audit_record(
        actor=request.user,
        action=action,
        changes={"format": fmt, "filters": filters, "rows": count, "protected": protected, **(extra or {})},
        object_repr=f"{title} ({fmt.upper()}, {count} dòng)",
    )
    stamp = timezone.localtime(timezone.now(), TZ).strftime("%Y%m%d-%H%M")
    filename = ascii_filename(f"{basename}-{stamp}.{fmt}", default=f"export.{fmt}")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The file holds personal data of children: never kept by a shared cache.
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
