"""The API reads JSON only, and no more of it than the size limit (CHILDPROTECT_API_MAX_BODY): a larger body is a
413 before anything is parsed, an unreadable one a 400 saying where it broke."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, parsers, status


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = settings.CHILDPROTECT_API_MAX_BODY
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(f"Nội dung gửi lên vượt quá giới hạn {limit // 1024} KB.")
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError("Nội dung gửi lên phải là JSON mã hoá UTF-8.") from exc
        except json.JSONDecodeError as exc:
            raise exceptions.ParseError(
                f"Nội dung gửi lên không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno})."
            ) from exc
        except RecursionError as exc:  # "[[[[…": deeper than the decoder goes
            raise exceptions.ParseError("Nội dung gửi lên lồng nhau quá nhiều tầng.") from exc
        try:
            # "\ud800" is valid JSON but no character: it could be neither stored (PostgreSQL) nor sent back.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise exceptions.ParseError("Nội dung gửi lên có mã Unicode không phải ký tự (\\uD800–\\uDFFF).") from exc
        except RecursionError as exc:
            raise exceptions.ParseError("Nội dung gửi lên lồng nhau quá nhiều tầng.") from exc
        return data
