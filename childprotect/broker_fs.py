"""Celery's filesystem transport (`make run`'s broker: no server), with each message whole before a worker can see it
(docs/architecture.md#the-embedded-broker).

kombu's own `_put` creates the message's file under its final name, then locks and writes it; its `_get` takes no
lock. A worker polling the folder in between moves the still-empty file away, cannot decode it, and stops
("Unrecoverable error: JSONDecodeError"), and the message is lost with it (celery/kombu#1551, seen here on a loaded
machine). Here the message is written under a hidden name that no `_get`, `_size` or `_purge` of kombu's ever matches
(they take `<stamp>_<uuid>.<queue>.msg` only), then renamed into place: a rename within one folder is atomic, so a
worker sees no file, or the whole message.

`childprotect/celery.py` points the `filesystem://` scheme here, so the settings, the health checks and the documents
go on naming the broker `filesystem://`.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils import json as kombu_json
from kombu.utils.encoding import str_to_bytes


class Channel(filesystem.Channel):
    # kombu's two bases name the second argument differently (`message`, `payload`): no signature matches both.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"  # kombu's name: its order, its queue
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(kombu_json.dumps(payload)))  # type: ignore[no-untyped-call]
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
