"""Reading what the server answered: a page's text and its form's version, a step's form posted back, a PDF's text.

PDFs are read back with poppler (pdftotext, pdfinfo), as a person would read the printed form.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET  # noqa: S405 (poppler's own output)
from pathlib import Path
from typing import NamedTuple

from django.test import Client
from django.urls import reverse

from cases.models import Case

NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"  # the national motto heading every official form


def html(response) -> str:
    return response.content.decode()


def version_on(response) -> str:
    """The version in the form's hidden field, as the browser would post it back."""
    match = re.search(r'name="version" value="(\d+)"', html(response))
    assert match, "no version field on the page"
    return match.group(1)


def client_for(user) -> Client:
    """A test client logged in as `user` (for tests needing more than one person's client at once)."""
    client = Client()
    client.force_login(user)
    return client


def detail_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def act_url(case: Case, action: str) -> str:
    return reverse("cases:case_act", args=[case.pk, action])


def post_step(client, case: Case, action: str, data: dict[str, str]):
    """Load the step's form, then post it with the version the page carried."""
    form = client.get(act_url(case, action))
    assert form.status_code == 200, html(form)
    return client.post(act_url(case, action), {"version": version_on(form), **data})


# --- PDFs -------------------------------------------------------------------------------------------------------------

_XHTML = "{http://www.w3.org/1999/xhtml}"


def _poppler(tool: str, *args: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} missing"
    result = subprocess.run([path, *args], capture_output=True, text=True, check=True, timeout=30)  # noqa: S603
    return unicodedata.normalize("NFC", result.stdout)


def pdf_text(tmp_path: Path, content: bytes, page: int | None = None) -> str:
    """The PDF's text as `pdftotext -layout` reads it (one page, or all), with whitespace runs collapsed."""
    assert content.startswith(b"%PDF-")
    path = tmp_path / f"form-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(content)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return " ".join(_poppler("pdftotext", "-layout", *pages, str(path), "-").split())


class PdfWord(NamedTuple):
    """A word as `pdftotext -bbox` places it: its page (from 1), the page's size and the word's box, in points."""

    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    page_width: float
    page_height: float


def pdf_words(tmp_path: Path, content: bytes) -> list[PdfWord]:
    """Every word of the PDF with its box (`pdftotext -bbox`), page by page."""
    path = tmp_path / f"words-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(content)
    words: list[PdfWord] = []
    tree = ET.fromstring(_poppler("pdftotext", "-bbox", str(path), "-"))  # noqa: S314 (poppler's output of our PDF)
    for number, page in enumerate(tree.iter(_XHTML + "page")):
        width, height = float(page.get("width", 0)), float(page.get("height", 0))
        for word in page.iter(_XHTML + "word"):
            x_min, y_min, x_max, y_max = (float(word.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax"))
            words.append(PdfWord(number + 1, word.text or "", x_min, y_min, x_max, y_max, width, height))
    return words


def pdf_fonts(tmp_path: Path, content: bytes) -> list[str]:
    """The names of the fonts embedded in the PDF (`pdffonts`), without their subset prefix ("ABCDEF+")."""
    path = tmp_path / f"fonts-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(content)
    lines = _poppler("pdffonts", str(path)).splitlines()[2:]
    return [line.split()[0].split("+", 1)[-1] for line in lines if line.strip()]


def page_count(tmp_path: Path, content: bytes) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(content)
    info = _poppler("pdfinfo", str(path))
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


# --- what a browser posts -------------------------------------------------------------------------------------------


def perpetrator_rows(*rows: dict[str, str], total: int = 2) -> dict[str, str]:
    """The perpetrator formset of Mẫu 01 (prefix "p"): `total` rows, blank unless given."""
    data = {"p-TOTAL_FORMS": str(total), "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "0", "p-MAX_NUM_FORMS": "5"}
    for i in range(total):
        row = {"name": "", "relation": "", "sex": "unknown", "approx_age": ""}
        row.update(rows[i] if i < len(rows) else {})
        data.update({f"p-{i}-{key}": value for key, value in row.items()})
    return data


def child_post(**overrides):
    """The POST data of the child registration form: Lê Thị Bình of commune A and her father (None drops a field)."""
    data = {
        "full_name": "Lê Thị Bình",
        "date_of_birth": "05/03/2015",
        "sex": "female",
        "residence_unit": "14797",
        "carer_name": "Lê Văn Hải",
        "carer_relation": "Bố",
        "carer_phone": "0912 345 678",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
