"""The "file" provider of SMS and Zalo, for development and the demo (what Django's file e-mail backend is to
e-mail): each message is appended as one JSON line to var/messages/<channel>.jsonl, and nothing leaves the machine.
`make run` turns it on for both channels; production names a real provider."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .base import Message, Receipt, Sent

_LOCK = threading.Lock()


class FileAdapter:
    provider = "file"

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def path(self) -> Path:
        return Path(settings.VAR_DIR) / "messages" / f"{self.channel}.jsonl"

    def send(self, message: Message) -> Sent:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "id": message.key,
            "at": timezone.localtime().isoformat(timespec="seconds"),
            "to": message.to,
            "template": message.template,
            "text": message.text,
            "params": dict(message.params),
        }
        with _LOCK, path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return Sent(provider_id=message.key)

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        return []
