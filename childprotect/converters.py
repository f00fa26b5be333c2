"""The path converter for record ids: `<id:pk>` in every urls.py, never `<int:pk>`.

Django's `int` matches any run of digits, and an id past the database's integer range then fails inside the query
(SQLite: OverflowError; PostgreSQL: NumericValueOutOfRange): a 500 instead of the 404 of any other missing record.
`id` matches only 1 .. 2**63 - 1 (a bigint, SQLite's INTEGER), so anything else is simply no route: a 404 before
any view or query runs. Registered on import by childprotect/urls.py, before it includes the apps' urls.
"""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"id out of range: {value}")  # the resolver reads a ValueError as "no match"
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
