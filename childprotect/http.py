from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest

if TYPE_CHECKING:
    from childprotect.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind login_required: its user is one of ours, never anonymous (for type checking)."""

    user: User


def stored_file_open(stored: FieldFile) -> IO[bytes]:
    """A stored file opened for reading; a row that outlived its file is a 404."""
    try:
        return stored.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc


def private_download(handle: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """A file of protected data, downloaded: as an attachment, never kept by a cache, its type never sniffed."""
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
