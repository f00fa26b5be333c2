"""Official documents as PDF: one WeasyPrint machinery for the NĐ 56 forms (Mẫu 01–06) and the periodic reports.

A document is a Django template extending templates/pdf/base_official.html (the NĐ 30/2020/NĐ-CP layout on A4),
rendered to HTML and printed by WeasyPrint. Nothing is fetched from the network: the base URL is the project
directory and the fetcher accepts only data: URLs and files inside it.

Fonts: Times New Roman (NĐ 30/2020 Phụ lục I), then its metric-compatible substitutes Liberation Serif and Tinos,
then other serif fonts; ordered so that the first one covers every Vietnamese letter. fonts-liberation 1.x
(Debian's "fonts-liberation") has no Latin Extended Additional block (ạ, Ủ, ỗ…); with it first, those letters would
come from another font in the middle of a word. When fontconfig cannot be asked, the families keep their order.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess  # noqa: S404 (fixed arguments: fc-list only)
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

__all__ = ["render_pdf", "pdf_response", "pdf_font_family", "ascii_filename", "local_url_fetcher"]

# Times New Roman (NĐ 30/2020 Phụ lục I) where installed, then its metric-compatible substitutes, then fonts known to
# carry Vietnamese.
SERIF_FAMILIES = ("Times New Roman", "Liberation Serif", "Tinos", "Noto Serif", "DejaVu Serif")
# Every precomposed Vietnamese letter: Latin Extended Additional (Ạ…ỹ), Ơ ơ Ư ư, Đ đ, Ă ă.
VIETNAMESE_CHARSET = "1ea0-1ef9 1a0-1a1 1af-1b0 110-111 102-103"


@functools.cache
def _families_covering_vietnamese() -> frozenset[str] | None:
    """The font families fontconfig knows that have all the Vietnamese letters; None when fontconfig can't say."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [fc_list, f":charset={VIETNAMESE_CHARSET}", "family"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return frozenset(name.strip() for line in result.stdout.splitlines() for name in line.split(",") if name.strip())


@functools.cache
def pdf_font_family() -> str:
    """The CSS font-family of official documents: the serif families, those with full Vietnamese glyphs first."""
    covering = _families_covering_vietnamese()
    families = list(SERIF_FAMILIES)
    if covering is not None:
        families.sort(key=lambda name: name not in covering)  # stable: keeps the preferred order within each group
    return ", ".join([*(f'"{name}"' for name in families), "serif"])


def local_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that reads data: URLs and files under BASE_DIR, and nothing else."""
    from weasyprint.urls import URLFetcher

    root = Path(settings.BASE_DIR).resolve()

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if not path.is_relative_to(root):
                    raise ValueError(f"PDF: refusing to read {url} (outside the project)")
            elif scheme != "data":
                raise ValueError(f"PDF: refusing to fetch {url} (no network access while printing)")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def render_pdf(template_name: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    """Render `template_name` with `context` and print it to PDF bytes.

    The context gains `pdf_font_family` (the CSS font stack) unless it has one. Render inside
    `translation.override("vi")` for Vietnamese dates and numbers.
    """
    from weasyprint import HTML  # heavy import: only when a document is printed

    html = render_to_string(template_name, {"pdf_font_family": pdf_font_family(), **context}, request=request)
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=local_url_fetcher()).write_pdf()
    return pdf


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_filename(name: str, default: str = "document.pdf") -> str:
    """A file name any browser and proxy accepts: Vietnamese letters without their marks, other signs as "-"."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", plain).strip("-.")
    return cleaned[:120] or default


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """The PDF shown in the browser (to print or save), never kept by a cache: it holds protected data."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{ascii_filename(filename)}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
