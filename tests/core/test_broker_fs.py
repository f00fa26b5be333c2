"""`make run`'s broker (childprotect/broker_fs.py): a worker polling the queue's folder never takes a message half
written.

kombu's own filesystem transport creates the message's file and then writes it: a worker polling in between took the
empty file, failed to decode it and stopped (a real worker thread died so in the full suite on a loaded machine).
Here the write is held at that moment (the message's JSON made to wait), a second connection polls the queue, and
must find nothing; once the write ends it gets the message whole. Real files in a folder of the test's own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu.connection import Connection
from kombu.transport import filesystem
from kombu.utils import json as kombu_json

from childprotect import broker_fs


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Any]:
    for name in ("queue", "processed", "control"):
        (tmp_path / name).mkdir()
    return {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }


@pytest.fixture
def held_write(monkeypatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """A message's encoding (inside the transport's write: kombu's module imported kombu's `dumps` by name, ours calls
    it through its module) waits for `finish` once it has set `writing`."""
    writing, finish = threading.Event(), threading.Event()
    encode = kombu_json.dumps

    def dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
        text = encode(obj, *args, **kwargs)
        if isinstance(obj, dict) and "body" in obj:  # a message, not an exchange's table
            writing.set()
            assert finish.wait(30)
        return text

    monkeypatch.setattr(kombu_json, "dumps", dumps)
    monkeypatch.setattr(filesystem, "dumps", dumps)
    yield writing, finish
    finish.set()


def test_the_filesystem_scheme_is_the_projects_transport(folders):
    with Connection("filesystem://", transport_options=folders) as conn:
        assert isinstance(conn.transport, broker_fs.Transport)


def test_a_worker_polling_while_a_message_is_written_finds_nothing_then_the_whole_message(folders, held_write):
    writing, finish = held_write
    with (
        Connection("filesystem://", transport_options=folders) as web,
        Connection("filesystem://", transport_options=folders) as worker,
    ):
        sender, taker = web.SimpleQueue("jobs"), worker.SimpleQueue("jobs")
        errors: list[BaseException] = []

        def send() -> None:
            try:
                sender.put({"task": "scan_deadlines", "tên": "Nguyễn Thị Hoà"})
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)

        thread = threading.Thread(target=send)
        thread.start()
        assert writing.wait(30)
        with pytest.raises(taker.Empty):  # kombu's own transport: the empty file taken, a JSONDecodeError
            taker.get(block=False)
        finish.set()
        thread.join(30)
        assert not errors
        message = taker.get(timeout=5)
        assert message.payload == {"task": "scan_deadlines", "tên": "Nguyễn Thị Hoà"}
        message.ack()
        with pytest.raises(taker.Empty):
            taker.get(block=False)
        assert not [p.name for p in Path(folders["data_folder_in"]).iterdir()]  # nothing half written left behind
