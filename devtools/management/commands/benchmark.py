"""Every measurement of the application, one subcommand each (`manage.py benchmark <subcommand> --help`):

manage.py benchmark lists [--runs 20] [--heavy-runs 5] [--markdown]
    pages, the reminder scan, reports, PDF, import and export at scale on seeddata's data (devtools/bench/lists.py)
manage.py benchmark import --rows 100000 [--format xlsx] [--keep]
    the preview and the import of a children's registry (devtools/bench/importing.py)
manage.py benchmark load --rows 100000 --sessions 20
    `make run`'s SQLite under an import and many writers, on real processes (devtools/bench/load.py)
manage.py benchmark race --rounds 10 --workers 3
    two people at once on a real server: who wins, who is told (devtools/bench/race.py)
manage.py benchmark http [--clients 1,10,50] [--samples 100] [--max-seconds 10] [--cold] [--exports csv,xlsx]
    the production server under 1, 10 and 50 clients: latency, errors and the SQL floor per page
    (devtools/bench/loadtest.py)
manage.py benchmark api [--clients 1,10,50] [--samples 100] [--max-seconds 10] [--only WORDS] [--markdown]
    the API on the production server under 1, 10 and 50 clients: intake (new and replayed), status, /me, cases and
    children with tokens; latency, errors, the rate limit's 429s and each request's queries (devtools/bench/apibench.py)
manage.py benchmark exports [--list cases] [--user admin] [--format csv,xlsx]
    a whole list out: CSV's first byte and time, the XLSX task's time, the memory of each (devtools/bench/exports.py)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from devtools.bench import apibench, exports, importing, lists, load, loadtest, race

SUBCOMMANDS: dict[str, type[BaseCommand]] = {
    "lists": lists.Command,
    "import": importing.Command,
    "load": load.Command,
    "race": race.Command,
    "http": loadtest.Command,
    "exports": exports.Command,
    "api": apibench.Command,
}


class Command(BaseCommand):
    help = (
        "Đo hiệu năng: lists (trang và báo cáo trên dữ liệu lớn), import (nhập danh sách trẻ em), "
        "load (SQLite khi tải), race (hai người cùng lúc), http (máy chủ thật, nhiều người dùng cùng lúc), "
        "exports (xuất cả danh sách), api (API qua HTTP thật, nhiều máy gọi cùng lúc)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{lists,import,load,race,http,exports,api}"
        )
        for name, command in SUBCOMMANDS.items():
            subparser = subparsers.add_parser(name, help=str(command.help))
            command().add_arguments(subparser)

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        command = SUBCOMMANDS[subcommand]()
        command.stdout, command.stderr, command.style = self.stdout, self.stderr, self.style
        command.handle(*args, **options)
