"""Ids outside the database's integer range are a 404 on every route, for every role (never a 500 on SQLite's
OverflowError or PostgreSQL's NumericValueOutOfRange)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.support.matrix import project_patterns

pytestmark = pytest.mark.django_db

TOO_BIG = "9223372036854775808"  # 2**63: one past PostgreSQL's bigint and SQLite's INTEGER
ROLES = ("officer_a", "supervisor", "police", "admin")


def _fill(route: str, value: str) -> str:
    """The route with every int (and bounded id) parameter set to `value`, the others to a plausible word."""
    route = re.sub(r"<(?:int|id):\w+>", value, route)
    return "/" + re.sub(r"<\w+:\w+>|<\w+>", "pdf", route).lstrip("^").rstrip("$")


def int_routes() -> list[str]:
    return sorted({_fill(p.route, TOO_BIG) for p in project_patterns().values() if re.search(r"<(?:int|id):", p.route)})


def test_every_route_with_an_id_has_been_found():
    assert "/cases/" + TOO_BIG + "/" in int_routes()
    assert len(int_routes()) >= 25


def test_no_route_uses_the_unbounded_int_converter():
    """A new `<int:pk>` would bring the 500 back: every id goes through `<id:...>` (childprotect/converters.py)."""
    unbounded = [p.route for p in project_patterns().values() if "<int:" in p.route]
    assert not unbounded, f"use <id:...> instead of <int:...> in: {unbounded}"


@pytest.mark.parametrize("role", ROLES)
def test_ids_out_of_range_are_404_on_every_route(cast, role):
    client = Client(raise_request_exception=False)
    client.force_login(cast[role])
    failures = []
    for url in int_routes():
        for method in (client.get, client.post):
            status = method(url).status_code
            if status != 404:
                failures.append(f"{method.__name__.upper()} {url}: {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_ids_at_the_edges_of_the_range_are_404(cast, role):
    client = Client(raise_request_exception=False)
    client.force_login(cast[role])
    for url in ("/cases/9223372036854775807/", "/cases/0/", "/cases/00000000000000000000001/"):
        assert client.get(url).status_code == 404, url
