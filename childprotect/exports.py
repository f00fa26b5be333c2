"""Lists out as spreadsheets (XLSX, CSV): the shared part of the children, reports, cases and referrals exports.

An export is exactly the filtered list the user sees (the list page's filter form and selector, every row, no
pagination), in the list's order. What goes out cell by cell:

- text is neutralised against formula injection: a cell whose text starts with = + - @ (also after leading
  whitespace, or starting with a tab or a carriage return) gets a leading apostrophe, so no spreadsheet evaluates it;
- dates as dd/mm/yyyy, moments as dd/mm/yyyy HH:MM in Vietnam's time, yes/no as "Có"/"Không";
- a protected column (NĐ 56/2017 Đ33) is in the file only when the user asked for protected fields and may see them;
  in a row the user may not see, its cell is empty. The reporter's identity is never a column (cases/resources.py).

Each export writes one audit entry ("export.<list>") with the format, the filters, the row count (one COUNT) and
whether protected columns go out, in the request that asks for the file.

A CSV file is streamed: the byte order mark and the header line go out first, then the rows, read from the database
in chunks (`CHUNK_SIZE`), so that neither the worker's memory nor the time to the first byte grows with the list.
An XLSX file cannot be streamed (a zip whose directory comes last), and at national scale takes minutes: the request
records an export job and sends the user to its page (progress, then the download); a Celery task makes the file
from the job (childprotect/core/export_jobs.py), again in chunks, into openpyxl's write-only workbook.

What each list exports is a `ListExport`, declared by its app and registered from its AppConfig.ready() (the task,
on the shared floor, finds the list by its name): how its rows are selected for a user from the query's filters,
its columns (`ExportResource`), who may export it. The task selects the rows again for the job's owner, with the
filters the request gave, never from anything the request computed.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources

from childprotect.audit.services import audit_record
from childprotect.db_router import reading_from_replica
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import ascii_filename

if TYPE_CHECKING:
    from childprotect.accounts.models import User

__all__ = [
    "FORMATS",
    "ExportResource",
    "ListExport",
    "cell",
    "export_format",
    "export_refused",
    "export_register",
    "export_response",
    "list_export",
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
# Rows read from the database at a time (and written out at a time) by a streamed CSV file or an XLSX task; the
# XLSX task records its progress once per chunk.
CHUNK_SIZE = 1000
# What a list's export keeps of each query parameter, in its job: values are a filter's, bounded.
MAX_VALUES, MAX_VALUE_LENGTH = 20, 1000


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

    def may_see_protected(self) -> bool:
        """Whether the user may see the protected columns in some row of the list, said before any row is read: a
        file's header (and its audit entry) comes first. Each row still asks `sees_protected`, and its cells are
        empty when it says no. By default no: a subclass says who may."""
        return False

    def column_names(self, *, protected: bool) -> list[str]:
        return [name for name in self.get_export_order() if protected or name not in self.protected_fields]

    def headers(self, names: list[str]) -> list[str]:
        return [str(header) for header in self.get_export_headers(selected_fields=names)]

    def rows(self, queryset: QuerySet[Any], names: list[str]) -> Iterator[list[Any]]:
        """Every row's cells, read from the database `CHUNK_SIZE` rows at a time (prefetches too, per chunk)."""
        records = self.with_related(queryset, protected=self.protected).iterator(chunk_size=CHUNK_SIZE)
        for record in records:
            yield self.export_resource(record, selected_fields=names, export_fields=names)

    def csv_chunks(self, queryset: QuerySet[Any], *, protected: bool) -> Iterator[bytes]:
        """The CSV file in pieces: the byte order mark and the header line, then the rows, `CHUNK_SIZE` at a time."""
        names = self.column_names(protected=protected)
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # the dialect tablib writes CSV with

        def flush() -> bytes:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text.encode("utf-8")

        writer.writerow(self.headers(names))
        # UTF-8 with a byte order mark: Excel then reads the Vietnamese letters right.
        yield codecs.BOM_UTF8 + flush()
        for number, row in enumerate(self.rows(queryset, names), start=1):
            writer.writerow(row)
            if number % CHUNK_SIZE == 0:
                yield flush()
        last = flush()
        if last:
            yield last

    def xlsx_write(
        self,
        target: IO[bytes],
        queryset: QuerySet[Any],
        *,
        protected: bool,
        title: str,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Write the XLSX file into `target` and return its row count. openpyxl's write-only workbook writes each row
        out as it comes (memory does not grow with the list); the layout is the one tablib gave the files made in
        the request before: a bold header row, frozen, the sheet named after the list, multi-line text wrapped.
        `progress(rows written)` is called once per chunk."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        bold, wrap = Font(bold=True), Alignment(wrap_text=True)

        def header(text: str) -> WriteOnlyCell:
            written = WriteOnlyCell(sheet, value=text)
            written.font = bold
            return written

        def value(item: Any) -> Any:
            if not isinstance(item, str):
                return item
            # Control characters an XLSX file cannot hold (a pasted form feed would otherwise fail the file).
            text = ILLEGAL_CHARACTERS_RE.sub("", item)
            if "\n" not in text:
                return text
            wrapped = WriteOnlyCell(sheet, value=text)
            wrapped.alignment = wrap
            return wrapped

        names = self.column_names(protected=protected)
        count = 0
        try:
            sheet.append([header(text) for text in self.headers(names)])
            for count, row in enumerate(self.rows(queryset, names), start=1):
                sheet.append([value(item) for item in row])
                if progress is not None and count % CHUNK_SIZE == 0:
                    progress(count)
        except BaseException:
            # Close openpyxl's half-written sheet (its own temporary file) now, not whenever the garbage collector
            # finds its writer after that file is gone; the error is what the caller hears of.
            with contextlib.suppress(Exception):
                sheet.close()
            raise
        book.save(target)
        return count

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


# --- the lists -------------------------------------------------------------------------------------------------------


def _anyone(user: User) -> bool:
    return True


def _nothing_more(query: QueryDict) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ListExport:
    """One list's export: what its view (the CSV stream, the XLSX job) and the XLSX task both need to know.

    `rows(user, query)` is the list's filtered queryset for the user (the list page's form and selector: the
    jurisdiction is the selector's); `resource(user, protected, query)` makes its columns (it may raise Http404:
    an option the user may not have); `allowed(user)` says who may export the list at all (others: 404).
    `filter_keys` are the list's filter parameters, `options` the export's own (kept with an XLSX job); `audit_extra`
    adds to the audit entry what the options asked for."""

    name: str  # "children": the job's list, the end of the audit action
    action: str  # the audit action, a member of childprotect/audit/actions.py ExportAction
    title: Any  # the list's name (a lazy translation): the sheet's name, the job page's title
    basename: str  # the file's name before the time stamp
    list_url: str  # the list page's URL name
    filter_keys: tuple[str, ...]
    rows: Callable[[User, QueryDict], QuerySet[Any]]
    resource: Callable[[User, bool, QueryDict], ExportResource]
    allowed: Callable[[User], bool] = _anyone
    options: tuple[str, ...] = ()
    audit_extra: Callable[[QueryDict], dict[str, Any]] = _nothing_more

    def params(self, query: QueryDict) -> dict[str, list[str]]:
        """The request's filters and options as the job keeps them (blank values dropped, bounded)."""
        kept: dict[str, list[str]] = {}
        for key in (*self.filter_keys, *self.options):
            values = [v[:MAX_VALUE_LENGTH] for v in query.getlist(key) if v.strip()][:MAX_VALUES]
            if values:
                kept[key] = values
        return kept

    def list_link(self, params: Mapping[str, list[str]]) -> str:
        """The list page with these filters (the job page's way back)."""
        query = urlencode([(k, v) for k, vs in params.items() if k in self.filter_keys for v in vs])
        return reverse(self.list_url) + (f"?{query}" if query else "")


def as_query(params: Mapping[str, list[str]]) -> QueryDict:
    """A job's kept parameters as the query the list's form reads."""
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, list(values))
    return query


EXPORTS: dict[str, ListExport] = {}


def export_register(export: ListExport) -> ListExport:
    """The lists' exports live with their lists: each app registers its own from its AppConfig.ready()."""
    EXPORTS[export.name] = export
    return export


def list_export(name: str) -> ListExport | None:
    return EXPORTS.get(name)


# --- the request ---------------------------------------------------------------------------------------------------


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


def export_filename(export: ListExport, fmt: str) -> str:
    stamp = timezone.localtime(timezone.now(), TZ).strftime("%Y%m%d-%H%M")
    return ascii_filename(f"{export.basename}-{stamp}.{fmt}", default=f"export.{fmt}")


def _from_replica(user_id: int, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The rows of a streamed file read from the read replica when there is one (as the file is sent, after the view
    has returned: the choice is made when the first piece is asked for)."""
    with reading_from_replica(user_id):
        yield from chunks


def export_response(request: AuthenticatedRequest, export: ListExport) -> HttpResponseBase:
    """The export of the filtered list the user sees: a CSV file streamed as an attachment, or, for XLSX, a job
    (made by a Celery task) and a redirect to its page. Either way one audit entry in the request (action e.g.
    "export.children", with the format, filters, row count, protected columns and the list's `extra`).

    Who may not export the list gets a 404 before anything else; a format we do not make goes back to the list."""
    if not export.allowed(request.user):
        raise Http404
    fmt = export_format(request)
    if fmt is None:
        return export_refused(request, export.list_url)
    # The rows are selected from the parameters the job keeps, as the task will select them again.
    params = export.params(request.GET)
    query = as_query(params)
    maker = export.resource(request.user, wants_protected(request), query)
    queryset = export.rows(request.user, query)
    protected = maker.protected and maker.may_see_protected()
    with reading_from_replica(request.user.pk):  # the count the audit entry records, where the rows are read
        count = queryset.count()
    filters = list_filters(request, export.filter_keys)
    changes = {"format": fmt, "filters": filters, "rows": count, "protected": protected, **export.audit_extra(query)}
    if fmt == "xlsx":
        from childprotect.core.export_jobs import export_job_create  # which imports this module

        job = export_job_create(
            actor=request.user,
            export=export,
            params=params,
            protected=protected,
            filename=export_filename(export, fmt),
            changes=changes,
        )
        return redirect("export_detail", pk=job.pk)
    audit_record(
        actor=request.user,
        action=export.action,
        changes=changes,
        object_repr=f"{export.title} ({fmt.upper()}, {count} dòng)",
    )
    chunks = _from_replica(request.user.pk, maker.csv_chunks(queryset, protected=protected))
    response = StreamingHttpResponse(chunks, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(export, fmt)}"'
    # The file holds personal data of children: never kept by a shared cache.
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
