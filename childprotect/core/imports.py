"""Registries in: read a spreadsheet strictly, preview (a dry run), then import exactly what was previewed, all rows
or none, in one transaction.

Each kind of data (children, agencies, accounts) is an `Importer` with a documented column layout (Vietnamese headers)
and two methods: `check(rows)` validates every row and counts what would be created, updated or skipped, writing
nothing; `apply(rows)` writes it, inside the transaction the job opens. The job refuses, with a Vietnamese message and
no change, a file that is empty, binary, too large, not UTF-8, with missing or unknown columns, with formulas, or with
any row in error (each named by its row number as the spreadsheet shows it: the header is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from childprotect.audit.actions import ImportAction
from childprotect.audit.services import audit_record
from childprotect.db_router import replica_pin
from childprotect.text import fold, nfc

from .legacy_text import convert as legacy_convert
from .models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # accounts imports core
    from childprotect.accounts.models import User

logger = logging.getLogger(__name__)


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message (Vietnamese) says why."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Vietnamese header of the template
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (the header is row 1)
    values: dict[str, str]


@dataclass
class Plan:
    rows: int = 0
    create: int = 0
    update: int = 0
    skip: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def error(self, row: int, message: str) -> None:
        self.errors.append((row, message))

    def as_json(self) -> dict[str, Any]:
        limit = settings.CHILDPROTECT_IMPORT_MAX_ERRORS
        return {
            "rows": self.rows,
            "create": self.create,
            "update": self.update,
            "skip": self.skip,
            "error_count": len(self.errors),
            "errors": [[n, m] for n, m in sorted(self.errors)[:limit]],
        }

    def counts(self) -> tuple[int, int, int, int]:
        return self.rows, self.create, self.update, self.skip


Progress = Callable[[int], None]


class Importer(Protocol):
    kind: str
    label: str
    position: int  # where the upload form lists it (1 first)
    columns: tuple[Column, ...]

    def allowed(self, actor: User) -> bool: ...

    def check(self, actor: User, rows: list[Row], progress: Progress) -> Plan: ...

    def apply(self, actor: User, rows: list[Row], progress: Progress) -> Plan: ...


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    """The importers live with their data: each app registers its own from its AppConfig.ready()."""
    IMPORTERS[importer.kind] = importer
    return importer


def importers_for(actor: User) -> list[Importer]:
    return sorted((i for i in IMPORTERS.values() if i.allowed(actor)), key=lambda i: i.position)


def importer(kind: str) -> Importer | None:
    return IMPORTERS.get(kind)


# --- reading -------------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value)).strip()


# A cell Excel would run as a formula: "=...", and "+", "-" or "@" followed by a function name and "(" or a DDE
# call ("+HYPERLINK(...)", "@SUM(...)", "-cmd|' /C calc'!A0"). "+84 912 345 678", "-" or "- không rõ -" are data.
_FUNCTION_CALL = re.compile(r"[+\-@]\s*[A-Za-z_][\w.]*\s*[(|]")


def formula_start(value: str) -> str:
    """ "=" for a formula, the sign for a formula-like call, "" for data."""
    if value.startswith("="):
        return "="
    if _FUNCTION_CALL.match(value):
        return value[0]
    return ""


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _too_many_rows(rows: int) -> FileRefused:
    return FileRefused(
        f"Tệp có quá nhiều dòng ({_thousands(rows)} dòng dữ liệu; tối đa "
        f"{_thousands(settings.CHILDPROTECT_IMPORT_MAX_ROWS)}). Hãy chia thành nhiều tệp."
    )


def _too_many_columns(columns: int, where: str = "") -> FileRefused:
    return FileRefused(
        f"Tệp có quá nhiều cột ({_thousands(columns)} cột{where}; tối đa "
        f"{_thousands(settings.CHILDPROTECT_IMPORT_MAX_COLUMNS)}). Hãy dùng tệp mẫu và xoá các cột thừa."
    )


_CELL_REF = re.compile(r"([A-Z]{1,3})?([0-9]+)?")


def _cell_ref(ref: str) -> tuple[int, int]:
    """'XFD12' -> (column 16384, row 12); missing parts are 0."""
    match = _CELL_REF.fullmatch(ref.replace("$", "").upper())
    if not match:
        return 0, 0
    letters, digits = match.groups()
    column = 0
    for letter in letters or "":
        column = column * 26 + ord(letter) - 64
    return column, int(digits or 0)


@dataclass
class SheetExtent:
    rows: int = 0  # the last row that holds a value
    columns: int = 0  # the last column that holds a value


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The part of the workbook's first sheet (the one openpyxl's worksheets[0] reads), from workbook.xml and its
    relationships (both small: their sizes were checked before)."""
    from xml.etree import ElementTree as ET  # noqa: S405  (sizes checked; Python's expat refuses entity bombs)

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
    sheet = workbook.find(f"{main}sheets/{main}sheet")
    if sheet is None:
        raise KeyError("no sheet")
    target_id = sheet.get(f"{rel}id")
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    for relation in rels:
        if relation.get("Id") == target_id:
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(target_id)


def _xlsx_inspect(content: bytes) -> SheetExtent:
    """Before openpyxl opens it: every part's declared uncompressed size and compression ratio (a zip bomb is refused
    unread: Python's zipfile never inflates past the declared size), the first sheet's declared <dimension>, then its
    real extent by a streaming count (constant memory; a row of a million cells is refused at the column limit)."""
    import xml.parsers.expat

    max_rows = settings.CHILDPROTECT_IMPORT_MAX_ROWS
    max_columns = settings.CHILDPROTECT_IMPORT_MAX_COLUMNS
    bomb = FileRefused(
        "Tệp Excel khi giải nén quá lớn hoặc nén bất thường (có thể là tệp độc hại): không đọc tệp này. "
        "Hãy mở tệp trong Excel, chỉ giữ bảng dữ liệu rồi lưu lại, hoặc lưu thành CSV UTF-8."
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if (
                info.file_size > settings.CHILDPROTECT_IMPORT_MAX_UNCOMPRESSED_BYTES
                or total > settings.CHILDPROTECT_IMPORT_MAX_UNCOMPRESSED_BYTES
                or (info.file_size > 1024 * 1024 and ratio > settings.CHILDPROTECT_IMPORT_MAX_COMPRESSION_RATIO)
            ):
                raise bomb
        path = _first_sheet_path(archive)
        source = archive.open(path)
    except FileRefused:
        raise
    except Exception as exc:  # not a workbook: no workbook.xml, no sheet, a damaged zip
        raise FileRefused("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không đúng định dạng.") from exc

    extent = SheetExtent()
    state = {"row": 0, "column": 0, "valued": False, "wide": 0}

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            column, _ = _cell_ref(attributes.get("r", ""))
            state["column"] = column or state["column"] + 1
            state["valued"] = False
        elif local in ("v", "is", "f"):
            state["valued"] = True
        elif local == "row":
            state["row"] = int(attributes["r"]) if attributes.get("r", "").isdigit() else state["row"] + 1
            state["column"] = 0
        elif local == "dimension":
            last = attributes.get("ref", "").rpartition(":")[2]
            columns, rows = _cell_ref(last)
            if columns > max_columns:
                raise _too_many_columns(columns, " theo khai báo trong tệp")
            if rows - 1 > max_rows:
                raise _too_many_rows(rows - 1)

    def end(name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "row" and state["wide"]:  # the row's real width, counted to its end, is in the message
            raise _too_many_columns(state["wide"], f", ô có dữ liệu ở dòng {state['row']}")
        if local == "c" and state["valued"]:
            if state["column"] > max_columns:
                state["wide"] = max(state["wide"], state["column"])
                return
            if state["row"] - 1 > max_rows:
                raise _too_many_rows(state["row"] - 1)
            extent.rows = max(extent.rows, state["row"])
            extent.columns = max(extent.columns, state["column"])
            state["valued"] = False

    parser = xml.parsers.expat.ParserCreate(namespace_separator=":")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with source:
            while chunk := source.read(1024 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except FileRefused:
        raise
    except Exception as exc:  # broken XML, a CRC error, a part longer than it declared
        raise FileRefused("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không đúng định dạng.") from exc
    return extent


def _xlsx_rows(content: bytes) -> Iterator[tuple[list[str], list[str]]]:
    from openpyxl import load_workbook

    extent = _xlsx_inspect(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # a damaged or disguised file: openpyxl raises many kinds
        raise FileRefused("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không đúng định dạng.") from exc
    if not extent.rows:
        book.close()
        return
    sheet = book.worksheets[0]
    # Read-only openpyxl trusts the declared <dimension> and silently drops what lies beyond it: read the real
    # extent, counted above, streaming one row at a time.
    sheet.reset_dimensions()
    for cells in sheet.iter_rows(max_row=extent.rows, max_col=max(extent.columns, 1)):
        values, formulas = [], []
        for cell in cells:
            value = getattr(cell, "value", None)
            text = _text(value)
            formulas.append("=" if getattr(cell, "data_type", "") == "f" else formula_start(text))
            values.append(text)
        yield values, formulas
    book.close()


def _csv_rows(content: bytes, legacy: dict[str, bool]) -> Iterator[tuple[list[str], list[str]]]:
    """A CSV that is not UTF-8 was saved from text in a legacy font (TCVN3, VNI) or in some other code page: its
    bytes are read as Windows-1252, which keeps the legacy glyph codes, and `legacy` says so (read_table refuses it
    unless a cell is legacy Vietnamese)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
        # The five bytes Windows-1252 leaves undefined read as Latin-1 (TCVN3 and VNI use neither range).
        text = "".join(chr(b) for b in content) if "\ufffd" in text else text
        legacy["csv"] = True
    del content
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    has_nul = "\x00" in text
    # newline="": the csv module itself ends rows at \r\n, \n or a lone \r (files pasted together from Windows, Unix
    # and old Mac programs), and keeps line breaks inside quoted cells.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for values in reader:
            number += 1
            if has_nul and any("\x00" in v for v in values):
                raise FileRefused(
                    f"Tệp có ký tự NUL (mã 0, ký tự rỗng) ở dòng {number}: tệp bị hỏng hoặc không phải CSV văn bản. "
                    "Hãy mở tệp gốc trong Excel và lưu lại thành “CSV UTF-8 (Comma delimited)”."
                )
            cells = [nfc(v).strip() for v in values]
            yield cells, [formula_start(v) for v in cells]
    except csv.Error as exc:
        raise FileRefused(_csv_problem(exc, number + 1)) from exc


def _csv_problem(exc: csv.Error, row: int) -> str:
    """What the csv module could not read, in Vietnamese, at the sheet row it reached."""
    detail = str(exc)
    if "new-line" in detail:
        problem = "dòng kết thúc bằng ký tự CR đơn lẻ (kiểu máy Mac cũ) lẫn trong một ô, nên không tách được các dòng"
    elif "field larger than field limit" in detail:
        problem = (
            f'có ô dài hơn {_thousands(csv.field_size_limit())} ký tự, thường do một dấu ngoặc kép (") mở mà '
            "không đóng, làm phần còn lại của tệp dồn vào một ô"
        )
    else:
        problem = "tệp không đúng cấu trúc CSV"
    return (
        f"Tệp CSV sai định dạng ở dòng {row}: {problem}. Hãy mở tệp trong Excel và lưu lại thành "
        "“CSV UTF-8 (Comma delimited)”."
    )


def too_large_message() -> str:
    limit = settings.CHILDPROTECT_IMPORT_MAX_BYTES
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"
    return f"Tệp quá lớn (tối đa {size}). Hãy chia thành nhiều tệp."


class Table(list[Row]):
    """The rows read, with what the preview shows beside them: the sheet row of the header, the columns not in the
    template (ignored), and the cells read from a legacy encoding (row, column header, as typed, as read)."""

    header_row: int = 1
    ignored: list[str]
    converted: list[tuple[int, str, str, str]]


# A leading row-number column ("STT", "TT", "Số TT"): never data.
_ROW_NUMBER_HEADERS = frozenset({"stt", "tt", "so tt", "so thu tu", "thu tu", "no", "#"})
# How many rows above the header (a title, the commune, the date) are searched for it.
_HEADER_SEARCH_ROWS = 30
_PARENTHESES = re.compile(r"\s*[(\[][^)\]]*[)\]]")
_COLUMN_NUMBERS = re.compile(r"\(?\d{1,2}\)?")


def _header_key(cell: str) -> str:
    """A header cell as it is compared: legacy letters read, folded, without a trailing "*" or ":"."""
    return fold(legacy_convert(cell)[0]).rstrip(" *:").strip()


def _header_names(columns: tuple[Column, ...]) -> dict[str, str]:
    names: dict[str, str] = {name: "" for name in _ROW_NUMBER_HEADERS}
    for column in columns:
        for name in (column.header, column.key, *column.aliases):
            names[_header_key(name)] = column.key
    return names


def _header_match(cell: str, names: dict[str, str]) -> str | None:
    """The column key of a header cell ("" for a row-number column), or None when it is not in the template; a note
    in parentheses ("Ngày sinh (dd/mm/yyyy)") is tried without."""
    key = _header_key(cell)
    if key in names:
        return names[key]
    bare = _PARENTHESES.sub("", key).strip()
    return names.get(bare) if bare else None


def read_table(content: bytes, filename: str, columns: tuple[Column, ...]) -> Table:
    """The file's rows as {column key: text}, or FileRefused with a Vietnamese message naming what is wrong.

    The header is the first row (of the first rows) in which at least two cells are template headers or their
    aliases; rows above it (titles, merged or not) are skipped, and rows are numbered as the spreadsheet shows them.
    Text typed in TCVN3 or VNI is read as Unicode, cell by cell (childprotect/core/legacy_text.py)."""
    if not content.strip():
        raise FileRefused("Tệp rỗng: không có dòng nào để nhập.")
    if len(content) > settings.CHILDPROTECT_IMPORT_MAX_BYTES:
        raise FileRefused(too_large_message())
    name = filename.lower()
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            "Tệp ở bảng mã UTF-16 (Unicode Text). Trong Excel, hãy chọn Lưu thành (Save As) → "
            "“CSV UTF-8 (Comma delimited)”."
        )
    legacy_bytes = {"csv": False}
    if zipfile.is_zipfile(io.BytesIO(content)):
        source = _xlsx_rows(content)
    elif name.endswith((".xlsx", ".xls", ".xlsm")):
        raise FileRefused("Tệp không phải Excel .xlsx hợp lệ (tệp .xls cũ: hãy lưu lại thành .xlsx hoặc CSV UTF-8).")
    elif b"\x00" in content[:8192]:
        raise FileRefused("Tệp không phải bảng tính (CSV hoặc .xlsx): có vẻ là tệp nhị phân.")
    else:
        source = _csv_rows(content, legacy_bytes)
    iterator = iter(source)
    names = _header_names(columns)
    header: list[str] = []
    number = 0
    first: tuple[int, list[str]] | None = None
    seen: list[tuple[int, list[str], list[str]]] = []  # rows read while looking for the header
    for values, formulas in iterator:
        number += 1
        if not any(values):
            continue
        if first is None:
            first = (number, values)
        seen.append((number, values, formulas))
        matched = sum(1 for v in values if v and _header_match(v, names))
        if matched >= min(2, len(columns)):
            header = values
            break
        if len(seen) >= _HEADER_SEARCH_ROWS:
            break
    last_read = number
    if not header and first is not None:  # no row looks like a header: the first is, and its errors are told
        number, header = first
        replay = [r for r in seen if r[0] > number]
    else:
        replay = []
    if not header:
        raise FileRefused("Tệp rỗng: không có dòng tiêu đề.")
    max_rows, max_columns = settings.CHILDPROTECT_IMPORT_MAX_ROWS, settings.CHILDPROTECT_IMPORT_MAX_COLUMNS
    header = list(header)
    while header and not header[-1]:
        header.pop()
    if len(header) > max_columns:
        raise _too_many_columns(len(header), " ở dòng tiêu đề")
    keys, ignored = _map_header(header, columns, names)
    table = Table()
    table.header_row, table.ignored, table.converted = number, ignored, []
    labels = {c.key: c.header for c in columns}

    def rest() -> Iterator[tuple[int, list[str], list[str]]]:
        yield from replay
        counter = last_read
        for values, formulas in iterator:
            counter += 1
            yield counter, values, formulas

    numbering_checked = False
    ambiguous: list[tuple[int, str, str]] = []  # (index in the table, column key, as typed)
    encodings: set[str] = set()
    for row_number, values, formulas in rest():
        if not any(values):
            continue
        if not numbering_checked:
            numbering_checked = True
            # Forms often number their columns under the header: (1), (2), (3)...
            cells = [v for v in values if v]
            if all(_COLUMN_NUMBERS.fullmatch(v) for v in cells) and len(cells) > 1:
                continue
        if len(values) > max_columns and any(values[max_columns:]):
            last = max(i for i, v in enumerate(values) if v) + 1
            raise _too_many_columns(last, f", ô có dữ liệu ở dòng {row_number}")
        if len(table) >= max_rows:
            raise _too_many_rows(len(table) + 1)
        formula = next((f for f, k in zip(formulas, keys, strict=False) if k and f), "")
        if formula:
            table.append(Row(row_number, {"__formula__": formula}))
            continue
        row: dict[str, str] = {}
        for key, value in zip(keys, values, strict=False):
            if not key:
                continue
            text, encoding = legacy_convert(value)
            if encoding == "ambiguous":
                ambiguous.append((len(table), key, value))
            elif encoding:
                table.converted.append((row_number, labels[key], value, text))
                encodings.add(encoding)
            row[key] = text
        table.append(Row(row_number, row))
    # A short cell both TCVN3 and VNI read as Vietnamese ("Tæ" is "Tổ" or "Tỉ") is in the file's one legacy encoding;
    # in a file with both, or none, its row is refused.
    for index, key, value in ambiguous:
        row_values = table[index].values
        text, encoding = legacy_convert(value, prefer=next(iter(encodings)) if len(encodings) == 1 else "")
        if encoding == "ambiguous":
            row_values["__encoding__"] = labels[key]
        else:
            row_values[key] = text
            table.converted.append((table[index].number, labels[key], value, text))
    table.converted.sort(key=lambda c: c[0])
    if not table:
        raise FileRefused("Tệp chỉ có dòng tiêu đề, không có dữ liệu.")
    if legacy_bytes["csv"] and not table.converted:
        raise FileRefused(
            "Tệp CSV không ở bảng mã UTF-8 (cũng không phải chữ TCVN3 hay VNI đọc được). Trong Excel, hãy chọn Lưu "
            "thành (Save As) → “CSV UTF-8 (Comma delimited)”."
        )
    return table


def _map_header(header: list[str], columns: tuple[Column, ...], names: dict[str, str]) -> tuple[list[str], list[str]]:
    """The column key under each header cell ("" for a cell not imported) and the headers not in the template."""
    keys: list[str] = []
    unknown: list[str] = []
    for cell in header:
        if not cell:
            keys.append("")
            continue
        key = _header_match(cell, names)
        if key is None:
            unknown.append(legacy_convert(cell)[0])
        keys.append(key or "")
    missing = [c.header for c in columns if c.required and c.key not in keys]
    duplicated = sorted({k for k in keys if k and keys.count(k) > 1})
    problems = []
    if missing:
        problems.append("thiếu cột bắt buộc: " + ", ".join(f"“{m}”" for m in missing))
    if duplicated:
        problems.append("có cột lặp lại: " + ", ".join(duplicated))
    if problems:
        raise FileRefused(
            "Các cột không đúng mẫu: " + "; ".join(problems) + ". Hãy tải tệp mẫu và dùng đúng tiêu đề cột."
        )
    return keys, unknown


def check_formulas(rows: list[Row], plan: Plan) -> list[Row]:
    """Rows with a formula in a cell are errors (the value would be what Excel last computed, or nothing)."""
    clean = []
    for row in rows:
        if row.values.get("__formula__") == "=":
            plan.error(row.number, "Ô chứa công thức (bắt đầu bằng “=”): hãy nhập giá trị, không nhập công thức.")
        elif "__formula__" in row.values:
            plan.error(
                row.number,
                f"Ô chứa công thức (bắt đầu bằng “{row.values['__formula__']}” rồi tên hàm): hãy nhập giá trị, "
                "không nhập công thức.",
            )
        elif "__encoding__" in row.values:
            plan.error(
                row.number,
                f"Không rõ cột “{row.values['__encoding__']}” được gõ bằng bảng mã TCVN3 hay VNI: hãy chuyển sang "
                "Unicode (ví dụ bằng Unikey) rồi tải lên lại.",
            )
        else:
            clean.append(row)
    return clean


_DMY = re.compile(r"(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])/(1[0-2]|0[1-9]|[1-9])/(\d\d\d\d)")


def parse_date(text: str) -> dt.date | None:
    """dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy and yyyy-mm-dd); ValueError for a date that does not exist."""
    if not text:
        return None
    # The usual dd/mm/yyyy without strptime's cost: the same day and month patterns as its %d and %m, and %Y's four
    # digits, so that a date read here is the one strptime would read; anything else goes the slow way below.
    if match := _DMY.fullmatch(text):
        try:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            pass
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007  (a calendar date, no time zone)
        except ValueError:
            continue
    raise ValueError(f"ngày “{text}” không hợp lệ (ghi dd/mm/yyyy và là một ngày có thật)")


# --- the job -------------------------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"import:{job_id}:progress"


def _alive_key(job_id: int) -> str:
    """When the job's worker last reported progress (a POSIX timestamp): it is alive, even past the stale timeout."""
    return f"import:{job_id}:alive"


def progress_of(job: ImportJob) -> int:
    if job.status in (ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.REFUSED):
        return 100
    return int(cache.get(_progress_key(job.pk), 0))


def _reporter(job_id: int, start: int, end: int) -> Progress:
    def report(percent: int) -> None:
        value = start + (end - start) * max(0, min(percent, 100)) // 100
        cache.set_many({_progress_key(job_id): value, _alive_key(job_id): timezone.now().timestamp()}, 3600 * 24)

    return report


def job_create(*, actor: User, kind: str, filename: str, content: bytes | None, size: int | None = None) -> ImportJob:
    """Keep the uploaded file and queue its check (on commit); a file over the size limit (content None) is refused
    without being read or kept."""
    chosen = importer(kind)
    if chosen is None or not chosen.allowed(actor):
        raise PermissionError(kind)
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            started_at=timezone.now(),
            created_by=actor,
            filename=filename[:255],
            size=len(content) if content is not None else (size or 0),
            sha256=hashlib.sha256(content).hexdigest() if content is not None else "",
        )
        if content is None or len(content) > settings.CHILDPROTECT_IMPORT_MAX_BYTES:
            # Not even stored: a file over the limit is refused at once.
            job.status, job.finished_at = ImportStatus.REFUSED, timezone.now()
            job.plan = {"message": too_large_message()}
            job.save()
        else:
            job.file.save(job.filename or "import", ContentFile(content), save=False)
            job.save()
            from .tasks import check_import

            transaction.on_commit(lambda: _queue(check_import, job.pk, ImportStatus.CHECKING))
        audit_record(actor=actor, action=ImportAction.UPLOAD, obj=job, changes={"kind": kind, "size": job.size})
    return job


NOT_QUEUED = (
    "Hệ thống xử lý nền tạm thời không nhận việc, nên tệp chưa được xử lý và chưa nhập dòng nào. Hãy thử lại sau."
)


def _queue(task: Any, job_id: int, status: str) -> None:
    """Queue the job's task; a broker that is down is no error for the request: the job, still `status`, ends failed
    with a message to try again (nothing was imported), instead of waiting for a task that was never queued."""
    try:
        task.delay(job_id)
    except Exception:  # kombu's OperationalError, a timeout, a refused connection: all are "not queued"
        logger.warning("import job %s: task not queued (broker unavailable)", job_id, exc_info=True)
        ImportJob.objects.filter(pk=job_id, status=status).update(
            status=ImportStatus.FAILED, result={"message": NOT_QUEUED}, finished_at=timezone.now()
        )


def _rows_of(job: ImportJob, chosen: Importer) -> Table:
    with job.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != job.sha256:
        raise FileRefused("Tệp đã lưu không còn như khi tải lên; hãy tải lên lại.")
    try:
        return read_table(content, job.filename, chosen.columns)
    except csv.Error as exc:
        raise FileRefused(_csv_problem(exc, 0).replace(" ở dòng 0", "")) from exc
    except UnicodeError as exc:
        raise FileRefused(
            "Tệp có ký tự không đọc được theo bảng mã của nó (lỗi mã hoá ký tự). Hãy mở tệp trong Excel và lưu lại "
            "thành “CSV UTF-8 (Comma delimited)” hoặc .xlsx."
        ) from exc


CHECK_CRASHED = (
    "Lỗi hệ thống khi kiểm tra tệp: chưa nhập dòng nào. Hãy tải tệp lên lại; nếu vẫn lỗi, hãy báo quản trị hệ thống."
)
APPLY_CRASHED = "Lỗi hệ thống khi nhập: chưa nhập dòng nào. Hãy báo quản trị hệ thống."
STALE_CHECK = "Máy chủ xử lý dừng giữa chừng; chưa có dữ liệu nào được nhập. Hãy tải tệp lên lại."
STALE_APPLY = (
    "Máy chủ xử lý dừng giữa chừng khi đang nhập; mọi thay đổi của lượt nhập đã được huỷ bỏ (nhập tất cả hoặc không "
    "dòng nào), nên chưa có dữ liệu nào được nhập. Hãy tải tệp lên lại."
)


def _started(job: ImportJob) -> None:
    """The worker took the job: its start is its first sign of life."""
    job.started_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(started_at=job.started_at)
    cache.set(_alive_key(job.pk), job.started_at.timestamp(), 3600 * 24)


def _finish(job: ImportJob, busy: str, fields: list[str]) -> bool:
    """Save the outcome only if the job is still as the worker took it (not failed as stale, nor cancelled, since)."""
    values = {name: getattr(job, name) for name in fields}
    return bool(ImportJob.objects.filter(pk=job.pk, status=busy).update(**values))


def job_check(job_id: int) -> ImportJob:
    """The dry run: validate every row and count; nothing is written but the job's preview. A file that cannot be
    read is refused with a Vietnamese message; any other error fails the job (logged, the trace-back never shown)."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    chosen = importer(job.kind)
    if job.status != ImportStatus.CHECKING or chosen is None:
        return job
    _started(job)
    report = _reporter(job.pk, 0, 100)
    try:
        rows = _rows_of(job, chosen)
        report(10)
        plan = chosen.check(job.created_by, rows, _reporter(job.pk, 10, 100))
    except FileRefused as refusal:
        job.status, job.plan = ImportStatus.REFUSED, {"message": str(refusal)}
    except Exception:
        logger.exception("import %s: the preview failed", job.pk)
        job.status, job.result = ImportStatus.FAILED, {"message": CHECK_CRASHED}
    else:
        job.plan = plan.as_json()
        job.plan["header_row"] = rows.header_row
        job.plan["ignored"] = rows.ignored
        limit = settings.CHILDPROTECT_IMPORT_MAX_ERRORS
        job.plan["converted_count"] = len(rows.converted)
        job.plan["converted"] = [list(c) for c in rows.converted[:limit]]
        job.status = ImportStatus.REFUSED if plan.errors else ImportStatus.CHECKED
        if plan.errors:
            job.plan["message"] = (
                f"Có {len(plan.errors)} dòng lỗi: chưa nhập dòng nào. Hãy sửa các dòng dưới đây rồi tải tệp lên lại."
            )
    job.finished_at = timezone.now() if job.status != ImportStatus.CHECKED else None
    if not _finish(job, ImportStatus.CHECKING, ["status", "plan", "result", "finished_at"]):
        job.refresh_from_db()
    return job


class PlanChanged(Exception):
    pass


def job_confirm(*, actor: User, job: ImportJob) -> bool:
    """Queue the import of a checked file; only its uploader confirms, once."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.created_by_id != actor.pk or locked.status != ImportStatus.CHECKED:
            return False
        locked.status, locked.started_at = ImportStatus.APPLYING, timezone.now()
        locked.save(update_fields=["status", "started_at"])
        cache.set(_progress_key(locked.pk), 0, 3600)
        audit_record(actor=actor, action=ImportAction.CONFIRM, obj=locked, changes={"kind": locked.kind})
        from .tasks import apply_import

        transaction.on_commit(lambda: _queue(apply_import, locked.pk, ImportStatus.APPLYING))
    job.refresh_from_db()
    return True


CANCELLABLE = (ImportStatus.CHECKING, ImportStatus.CHECKED, ImportStatus.REFUSED, ImportStatus.FAILED)


def can_cancel(job: ImportJob, actor: User) -> bool:
    """Its uploader cancels a job not being imported (a preview still running is dropped: it writes nothing)."""
    return job.created_by_id == actor.pk and job.status in CANCELLABLE


def job_cancel(*, actor: User, job: ImportJob) -> bool:
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not can_cancel(locked, actor):
            return False
        before = locked.status
        locked.status, locked.finished_at = ImportStatus.CANCELLED, timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        if locked.file:
            locked.file.delete(save=False)
        audit_record(actor=actor, action=ImportAction.CANCEL, obj=locked, changes={"status": [before, locked.status]})
    job.refresh_from_db()
    return True


def job_apply(job_id: int) -> ImportJob:
    """Import the checked file: re-read it (the same bytes), check again, and write every row in one transaction,
    only if the outcome is the one previewed; otherwise nothing is written and the preview must be done again.

    The job's row stays locked for the whole transaction: the stale sweep skips it (its worker is alive), and a job
    failed by the sweep before the lock is never imported."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    chosen = importer(job.kind)
    if job.status != ImportStatus.APPLYING or chosen is None:
        return job
    _started(job)
    previewed = (job.plan.get("rows"), job.plan.get("create"), job.plan.get("update"), job.plan.get("skip"))
    try:
        rows = _rows_of(job, chosen)
        with transaction.atomic():
            # The job's row locked for the import's transaction: the stale sweep skips it, and a second delivery of
            # the task (a run longer than the broker's visibility timeout) waits here for the first's commit, then
            # finds the job done and does nothing (docs/architecture.md#broker-outages-and-killed-workers).
            mine = ImportJob.objects.select_for_update().filter(pk=job.pk, status=ImportStatus.APPLYING)
            if not list(mine.values_list("pk", flat=True)):
                job.refresh_from_db()
                return job  # done by an earlier delivery, or failed as stale meanwhile: so it stays
            plan = chosen.apply(job.created_by, rows, _reporter(job.pk, 0, 100))
            if plan.errors or plan.counts() != previewed:
                raise PlanChanged
            audit_record(
                actor=job.created_by,
                action=ImportAction.applied(job.kind),
                obj=job,
                changes={"rows": plan.rows, "create": plan.create, "update": plan.update, "skip": plan.skip},
            )
            job.status, job.result, job.finished_at = ImportStatus.DONE, plan.as_json(), timezone.now()
            _finish(job, ImportStatus.APPLYING, ["status", "result", "finished_at"])
            # Read-your-writes: whoever imported reads from the primary for a while (childprotect/db_router.py).
            transaction.on_commit(lambda: replica_pin(job.created_by_id))
    except (FileRefused, PlanChanged):
        job.status = ImportStatus.FAILED
        job.result = {
            "message": "Dữ liệu đã thay đổi kể từ lúc xem trước, nên chưa nhập dòng nào. Hãy tải tệp lên lại để xem "
            "trước theo dữ liệu hiện tại."
        }
    except Exception:
        logger.exception("import %s: the import failed and was rolled back", job.pk)
        job.status, job.result = ImportStatus.FAILED, {"message": APPLY_CRASHED}
    else:
        return job
    job.finished_at = timezone.now()
    if not _finish(job, ImportStatus.APPLYING, ["status", "result", "finished_at"]):
        job.refresh_from_db()
    return job


def _stale_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.CHILDPROTECT_IMPORT_STALE_MINUTES)


def _alive_since(job: ImportJob, cutoff: dt.datetime) -> bool:
    """The worker reported progress after the cutoff (a long preview or import still running)."""
    last = cache.get(_alive_key(job.pk))
    return last is not None and float(last) >= cutoff.timestamp()


def jobs_fail_stale(job_id: int | None = None) -> int:
    """Fail the jobs still checking or applying CHILDPROTECT_IMPORT_STALE_MINUTES after their step started with no
    progress since: their worker died (killed, restarted, out of memory) and no task will finish them. An import
    runs in one transaction, so a dead worker's import was rolled back: nothing was imported, and the message says
    so. A job whose import holds its row lock is alive and skipped. Each is audited; returns how many."""
    cutoff = _stale_cutoff()
    busy = Q(status__in=(ImportStatus.CHECKING, ImportStatus.APPLYING))
    old = Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    candidates = ImportJob.objects.filter(busy & old)
    if job_id is not None:
        candidates = candidates.filter(pk=job_id)
    failed = 0
    for pk in candidates.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(skip_locked=True).filter(busy & old, pk=pk).first()
            )  # locked by a running import: alive
            if job is None or _alive_since(job, cutoff):
                continue
            before = job.status
            message = STALE_APPLY if before == ImportStatus.APPLYING else STALE_CHECK
            job.status, job.result, job.finished_at = ImportStatus.FAILED, {"message": message}, timezone.now()
            job.save(update_fields=["status", "result", "finished_at"])
            audit_record(
                actor=None,
                action=ImportAction.STALE,
                obj=job,
                changes={
                    "status": [before, job.status],
                    "started_at": job.started_at.isoformat() if job.started_at else None,
                },
            )
            failed += 1
    return failed


def job_fail_if_stale(job: ImportJob) -> ImportJob:
    """The job's page: a job whose worker vanished shows as failed, not as a preview that never ends."""
    if job.status in (ImportStatus.CHECKING, ImportStatus.APPLYING) and jobs_fail_stale(job.pk):
        job.refresh_from_db()
    return job
