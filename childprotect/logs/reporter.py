"""The error e-mail to ADMINS without protected data. Django's own report lists the request's GET and POST values,
cookies, headers, the settings and every frame's local variables: a child's name posted in a form would go out by
mail. This one says what failed, where in the code, and the request id and user id to find the rest in the server's
own log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.html import escape
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .context import REQUEST_ID_META, SAFE_HEADERS, current_request_id, current_user_id

# The request's META keys an error mail shows: how it was asked, and the safe headers (WSGI names CONTENT_TYPE and
# CONTENT_LENGTH without the HTTP_ prefix).
SAFE_META = frozenset(
    {"REQUEST_METHOD", "PATH_INFO", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL"}
    | {("" if header.startswith("content-") else "HTTP_") + header.upper().replace("-", "_") for header in SAFE_HEADERS}
)


class ProtectedDataFilter(SafeExceptionReporterFilter):
    """DEFAULT_EXCEPTION_REPORTER_FILTER: for any report still made by Django's own reporter (e.g. a handler set with
    include_html), every POST value, cookie and local variable is hidden, and every header outside SAFE_META."""

    def get_post_parameters(self, request: Any) -> Any:
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return {name: self.cleansed_substitute for name in request.POST}

    def get_safe_cookies(self, request: Any) -> Any:
        if not self.is_active(request):
            return super().get_safe_cookies(request)
        return {name: self.cleansed_substitute for name in getattr(request, "COOKIES", {})}

    def get_safe_request_meta(self, request: Any) -> Any:
        if not self.is_active(request):
            return super().get_safe_request_meta(request)
        meta = getattr(request, "META", {})
        return {name: (value if name in SAFE_META else self.cleansed_substitute) for name, value in meta.items()}

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class ProtectedDataReporter(ExceptionReporter):
    """The mail_admins handler's reporter_class. The exception's message is left out as well: a database error's
    DETAIL quotes the row's values."""

    def get_traceback_text(self) -> str:  # type: ignore[override]
        if settings.DEBUG:  # the development error page (mails are sent only without DEBUG)
            return super().get_traceback_text()
        request = self.request
        lines = [
            self.exc_type.__name__ if self.exc_type else "-",
            f"Request: {request.method} {request.path}" if request is not None else "Request: -",
            f"Request ID: {self._request_id() or '-'}",
            f"User ID: {self._user_id() or '-'}",
            "",
            "Traceback (most recent call last):",
        ]
        for frame in self.get_traceback_frames():
            lines.append(f'  File "{frame["filename"]}", line {frame["lineno"]}, in {frame["function"]}')
            if frame.get("context_line"):
                lines.append(f"    {frame['context_line'].strip()}")
            if frame.get("exc_cause") is not None:
                lines.append(f"  (caused by {type(frame['exc_cause']).__name__})")
        if self.exc_type:
            lines.append(self.exc_type.__name__)
        return "\n".join(lines) + "\n"

    def _request_id(self) -> str | None:
        if current_request_id.get():
            return current_request_id.get()
        return self.request.META.get(REQUEST_ID_META) if self.request is not None else None

    def _user_id(self) -> int | None:
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and isinstance(user.pk, int):
            return user.pk
        return current_user_id()

    def get_traceback_html(self) -> str:  # type: ignore[override]
        if settings.DEBUG:
            return super().get_traceback_html()
        return f"<pre>{escape(self.get_traceback_text())}</pre>"
