"""Reading what the server answered: a page's text and its form's version, a step's form posted back, a PDF's text.

PDFs are read back with poppler (pdftotext, pdfinfo), as a person would read the printed form.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

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
