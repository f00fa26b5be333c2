"""`manage.py benchmark <lists|import|load|race|http|exports|api>`: one command, the measurements as subcommands with
their options."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from devtools.management.commands.benchmark import SUBCOMMANDS, Command


def test_each_subcommand_keeps_its_options():
    parser = Command().create_parser("manage.py", "benchmark")
    lists = parser.parse_args(["lists", "--runs", "3", "--heavy-runs", "2", "--markdown", "--only", "pdf"])
    assert (lists.subcommand, lists.runs, lists.heavy_runs, lists.markdown, lists.only) == ("lists", 3, 2, True, "pdf")
    imported = parser.parse_args(["import", "--rows", "10", "--format", "xlsx", "--keep", "--seed", "3"])
    assert (imported.rows, imported.format, imported.keep, imported.seed) == (10, "xlsx", True, 3)
    load = parser.parse_args(["load", "--rows", "200", "--sessions", "3", "--no-beat", "--max-seconds", "60"])
    assert (load.rows, load.sessions, load.no_beat, load.max_seconds, load.workers) == (200, 3, True, 60, 3)
    race = parser.parse_args(["race", "--rounds", "2", "--database-url", "sqlite:///x"])
    assert (race.rounds, race.workers, race.database_url) == (2, 3, "sqlite:///x")
    http = parser.parse_args(["http", "--clients", "1,5", "--samples", "30", "--cold", "--exports", "none"])
    assert (http.clients, http.samples, http.cold, http.exports, http.max_seconds) == ("1,5", 30, True, "none", 10)
    exports = parser.parse_args(["exports", "--list", "children", "--user", "officer_a", "--format", "csv"])
    assert (exports.list, exports.user, exports.format, exports.protected) == ("children", "officer_a", "csv", False)
    api = parser.parse_args(["api", "--clients", "1,10", "--samples", "20", "--only", "intake", "--markdown"])
    assert (api.clients, api.samples, api.only, api.markdown, api.max_seconds, api.officer) == (
        "1,10", 20, "intake", True, 10, "officer_a"
    )  # fmt: skip
    assert set(SUBCOMMANDS) == {"lists", "import", "load", "race", "http", "exports", "api"}


def test_a_subcommand_is_required():
    with pytest.raises(CommandError):
        call_command("benchmark")


@pytest.mark.django_db
def test_the_subcommand_runs_with_the_commands_output():
    with pytest.raises(CommandError, match="loaddemo"):  # no demo users in the empty test database
        call_command("benchmark", "lists", runs=1, stdout=io.StringIO())


@pytest.mark.django_db
def test_the_exports_measurement_prints_its_figures_and_leaves_nothing(officer_a, make_child):
    from childprotect.audit.models import AuditEntry
    from childprotect.core.models import ExportJob

    make_child(officer_a, full_name="Nguyễn Văn An")
    out = io.StringIO()

    call_command("benchmark", "exports", list="children", user="officer_a", stdout=out)

    printed = out.getvalue()
    assert "CSV children as officer_a: 1 rows" in printed and "first byte" in printed
    assert "XLSX children as officer_a (task in this process): 1 rows" in printed and "peak growth" in printed
    assert not ExportJob.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()
