"""`manage.py benchmark load`: the measurement of `make run`'s SQLite under an import and many writers.

The end-to-end run starts real processes (migrate, loadunits, loaddemo, gunicorn, a Celery worker and beat) and takes
about a minute even with a 200-row file, so it is marked slow and runs only when CHILDPROTECT_LOADCHECK_TEST=1:

    CHILDPROTECT_LOADCHECK_TEST=1 .venv/bin/pytest -q tests/devtools/test_loadcheck.py -p no:cacheprovider
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from devtools.bench.load import BUSY, COMMENT, REPORT, WRITES, Command, outcome


def test_answers_are_counted_as_the_user_sees_them():
    busy_page = f"<title>{BUSY}</title>"
    assert outcome(REPORT, 503, busy_page, "") == "busy"
    assert outcome(REPORT, 500, "Server Error (500)", "") == "error"
    assert outcome(REPORT, 503, "Service Unavailable", "") == "error"  # not our page: a failure, not "busy"
    assert outcome(REPORT, 302, "", "/reports/12/children/") == "ok"
    assert outcome(COMMENT, 302, "", "/accounts/login/?next=/cases/3/") == "other"  # logged out: nothing saved
    assert outcome(REPORT, 200, "<form>…</form>", "") == "other"  # the form again, with errors
    assert outcome("trang chủ", 200, "<html>", "") == "ok"
    assert outcome("trang chủ", 0, "ConnectionResetError()", "") == "other"


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("CHILDPROTECT_LOADCHECK_TEST") != "1", reason="about a minute of real processes: set it to 1"
)
def test_a_tiny_loadcheck_runs_end_to_end_and_leaves_nothing_behind():
    command = Command(stdout=io.StringIO())
    result = command.measure(rows=200, sessions=3, loops=2, pause=0.1, max_seconds=180)

    assert result.import_status == "Đã nhập xong"
    table = result.table()
    assert all(t["count"] >= 3 for t in table.values())  # every officer did every operation at least once
    assert sum(t["error"] for t in table.values()) == 0
    assert result.tracebacks == 0
    for op in WRITES:
        ok = table[op]["ok"]
        assert ok >= 1
        assert result.checks[f"{op}: OK đều đã lưu đúng một lần"] == f"{ok}/{ok}"
    assert result.checks["trẻ em được nhập / số dòng"] == "200/200"
    assert result.checks["nhập đúng số dòng"] is True
    assert result.preview_seconds > 0 and result.confirm_seconds > 0

    assert not Path(result.folder).exists()
    for pid in result.pids:  # gunicorn, the worker and beat were stopped (and reaped)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)

    command.report(result)
    printed = command.stdout.getvalue()
    assert "ghi Mẫu 01" in printed and "tải máy" in printed
