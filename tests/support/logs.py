"""Reading what the project logs: `json_log` turns the console handler of settings.LOGGING (its request-context
filter included) to JSON into a buffer for the test; `.lines()` gives the parsed lines, `.raw()` the text."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from childprotect.logs.formatting import JsonFormatter


def console_handler() -> logging.StreamHandler[Any]:
    for handler in logging.getLogger().handlers:
        if handler.name == "console" and isinstance(handler, logging.StreamHandler):
            return handler
    raise LookupError("settings.LOGGING has no console handler on the root logger")


@dataclass
class LogCapture:
    buffer: io.StringIO = field(default_factory=io.StringIO)

    def raw(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw().splitlines()]


@pytest.fixture
def json_log():
    handler = console_handler()
    capture = LogCapture()
    root = logging.getLogger()
    formatter, stream, level = handler.formatter, handler.stream, root.level
    handler.setFormatter(JsonFormatter())
    handler.setStream(capture.buffer)
    root.setLevel(logging.INFO)  # settings' level, whatever an in-process test worker set it to (ERROR)
    yield capture
    root.setLevel(level)
    handler.setStream(stream)
    handler.setFormatter(formatter)
