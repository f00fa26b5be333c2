"""`manage.py benchmark api` end to end on a tiny setting: the production server (one gunicorn worker) against the test
database, two levels of a few requests, the run with the default rate limit and the anatomy of each request; and its
set-up, which reuses its clients and issues new tokens."""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from api.models import ApiClient, ApiToken
from cases.models import Report
from devtools.bench.apibench import CLIENT_NAME, LIMITED_NAME, Command

# Committed, so that the server's own connections see the cast; the migrations' vocabularies are put back after.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("eager_celery"),
]

SCENARIOS = (
    "intake, new key (1 child)",
    "intake replayed (key used)",
    "report status",
    "me",
    "case list",
    "children search 'nguyen'",
)


def database_url() -> str:
    """The test database, as the server's DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.skipif(not shutil.which("gunicorn", path=str(Path(sys.executable).parent)), reason="needs gunicorn")
def test_the_api_benchmark_runs_over_http_and_prints_its_tables(officer_a, administrator, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url())
    monkeypatch.delenv("CACHE_URL", raising=False)  # the rate limits in the server folder's file cache
    reports = Report.objects.count()
    out = io.StringIO()

    call_command(
        "benchmark", "api", clients="1,2", samples=3, max_seconds=3, workers=1, threads=2, stdout=out,
        stderr=io.StringIO(),
    )  # fmt: skip

    printed = out.getvalue()
    assert re.search(r"load average \(1, 5, 15 min\): at the start [\d.]+ [\d.]+ [\d.]+, at the end", printed)
    assert "server tracebacks: 0" in printed
    for title in SCENARIOS:
        rows = [line for line in printed.splitlines() if line.startswith(title + " ")]
        levels = [re.split(r"\s{2,}", row) for row in rows[:2]]
        # Scenario, As, Request, Clients, n, p50, p95, p99, req/s, Errors: every answer the expected one
        assert [(cells[3], cells[-1]) for cells in levels] == [("1", "0"), ("2", "0")], printed
        assert all(int(cells[4]) >= 3 for cells in levels)
    answers = dict(re.findall(r"GET /api/v1/me/, 120/min\s+2\s+(\d+)\s+(\d+)", printed))
    assert set(answers) == {"200", "429"}, printed  # twice the limit: some refused, all counted
    assert "answers other than 200 and 429: 0" in printed
    anatomy = printed.split("One request, in process")[1].splitlines()[1:]
    assert [re.split(r"\s{2,}", line)[2] for line in anatomy] == ["201", "201", "200", "200", "200", "200"], printed
    # Every intake with a new key wrote its report (the first, untimed; those timed; the anatomy's warm-up and 5 tries);
    # the replays wrote none.
    intakes = [line for line in printed.splitlines() if line.startswith("intake, new")][:2]  # the two levels
    timed = sum(int(re.split(r"\s{2,}", line)[4]) for line in intakes)
    assert Report.objects.count() - reports == 1 + timed + 6


def test_without_a_database_url_it_writes_nothing(officer_a, administrator, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(CommandError, match="DATABASE_URL"):
        call_command("benchmark", "api", stdout=io.StringIO())
    assert not ApiClient.objects.exists()
    assert not ApiToken.objects.exists()


def test_the_set_up_reuses_its_clients_and_issues_new_tokens(officer_a, administrator):
    command = Command(stdout=io.StringIO())
    first, limit, commune, info = command._setup("officer_a")
    second, *_ = command._setup("officer_a")

    assert ApiClient.objects.filter(name__in=[CLIENT_NAME, LIMITED_NAME]).count() == 2
    assert ApiClient.objects.get(name=LIMITED_NAME).rate_limit == limit == 120
    assert set(first) == {"client", "limited", "officer"}
    assert not set(first.values()) & set(second.values())
    assert ApiToken.objects.filter(account=officer_a).count() == 2
    assert commune == officer_a.unit.code
    assert any("children" in line for line in info)
