"""Benchmark of the registry's search and lists at scale (prints figures; asserts nothing).

    DATABASE_URL=postgres://... manage.py migrate && manage.py loadunits && manage.py loaddemo
    DATABASE_URL=postgres://... manage.py benchsearch --children 1000000

It tops the registry up to --children synthetic children (one INSERT ... SELECT, spread over every commune of the
current list), then times the registry pages' queries as the demo officer, supervisor and administrator see them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors
from cases.models import Child
from childprotect.accounts.models import User

FAMILY = [
    "nguyen",
    "tran",
    "le",
    "pham",
    "hoang",
    "huynh",
    "phan",
    "vu",
    "vo",
    "dang",
    "bui",
    "do",
    "ho",
    "ngo",
    "duong",
    "ly",
]
MIDDLE = ["van", "thi", "minh", "duc", "ngoc", "thanh", "quoc", "gia", "huu", "thu", "kim", "bao"]
GIVEN = [
    "an",
    "binh",
    "cuong",
    "dung",
    "hoa",
    "hung",
    "lan",
    "linh",
    "mai",
    "nam",
    "phuong",
    "quang",
    "son",
    "thao",
    "trang",
    "tuan",
    "vy",
    "yen",
    "khoi",
    "bao",
    "huy",
    "anh",
    "xuan",
    "thuy",
]

GENERATE = """
WITH units AS (SELECT array_agg(id ORDER BY id) a FROM places_adminunit WHERE list_version = %(list)s
               AND level = 'commune')
INSERT INTO cases_child (full_name, name_folded, other_names, other_names_folded, birth_year, birth_year_estimated,
    sex, national_id, residence_unit_id, address, school, school_class, notes, created_by_id, created_at, updated_at,
    version)
SELECT n, n, '', '', 2010 + (g %% 16), false, CASE WHEN g %% 2 = 0 THEN 'male' ELSE 'female' END, '',
    units.a[1 + (g::bigint * 7919) %% array_length(units.a, 1)], '', '', '', '', %(creator)s, now(), now(), 1
FROM generate_series(1, %(count)s) g, units,
LATERAL (SELECT (%(family)s::text[])[1 + g %% 16] || ' ' || (%(middle)s::text[])[1 + (g / 16) %% 12] || ' '
         || (%(given)s::text[])[1 + (g / 192) %% 24] AS n) x
"""


class Command(BaseCommand):
    help = "Đo thời gian tìm kiếm, danh sách trẻ em ở quy mô lớn (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=15)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Cần PostgreSQL (DATABASE_URL=postgres://...).")
        users = {
            u.username: u
            for u in User.objects.filter(username__in=["officer_a", "supervisor", "admin"]).select_related("unit")
        }
        if len(users) < 3:
            raise CommandError("Cần dữ liệu mẫu: chạy `manage.py loaddemo` trước.")
        missing = options["children"] - Child.objects.count()
        if missing > 0:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    GENERATE,
                    {
                        "list": 2026,
                        "creator": users["admin"].pk,
                        "count": missing,
                        "family": FAMILY,
                        "middle": MIDDLE,
                        "given": GIVEN,
                    },
                )
                cursor.execute("ANALYZE cases_child")
            self.stdout.write(f"Generated {missing:,} children in {time.perf_counter() - started:.1f} s")
        self.stdout.write(f"{Child.objects.count():,} children; {options['runs']} runs each")
        for who in ("officer_a", "supervisor", "admin"):
            user = users[who]
            for query in ("nguyen van an", "hoa", "Trần Thị Thuỷ", ""):
                self._time(
                    f"{who}: children list q={query!r} page 1 + count",
                    options["runs"],
                    partial(_page, user, query),
                )
        for who in ("officer_a", "admin"):
            self._time(
                f"{who}: duplicate candidates 'Nguyễn Văn An' 2014",
                options["runs"],
                partial(selectors.child_duplicate_candidates, users[who], full_name="Nguyễn Văn An", birth_year=2014),
            )

    def _time(self, label: str, runs: int, fn: Callable[[], object]) -> None:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                fn()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        self.stdout.write(
            f"{label:58s} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  queries {len(queries)}"
        )


def _page(user: User, query: str) -> None:
    page = Paginator[Child](selectors.ChildListing(user, selectors.ChildFilters(q=query)), 25).get_page(1)
    list(page)
    _ = page.paginator.count
