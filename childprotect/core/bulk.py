"""Insert many rows at once, skipping those a unique constraint already holds, and learn which ones went in.

Django's bulk_create(ignore_conflicts=True) does not say which rows were inserted; `insert_new` does, with one
`INSERT ... ON CONFLICT DO NOTHING RETURNING ...` statement per batch (PostgreSQL, and SQLite 3.35 or later). A row
that another transaction is inserting at the same moment makes the statement wait for that transaction (PostgreSQL)
or for the database lock (SQLite), then be skipped if it committed: of two writers, exactly one gets each row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models

BATCH = 1000  # rows per statement: well under SQLite's 32,766 bound parameters for the tables written here


def insert_new(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert `rows` (field name -> value, the same fields in every row) into `model`'s table, skipping each row
    that would break a unique constraint; the `returning` fields of the rows inserted (plain values: keys, numbers,
    booleans, text), converted by their fields."""
    if not rows:
        return []
    meta = model._meta
    names = list(rows[0])
    fields = [_field(model, name) for name in names]
    back = [_field(model, name) for name in returning]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    out = ", ".join(quote(f.column) for f in back)
    inserted: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            values = ", ".join([one] * len(chunk))
            # Names from the model, values bound as parameters.
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values} ON CONFLICT DO NOTHING RETURNING {out}"  # noqa: S608, E501
            )
            params = [
                f.get_db_prep_save(row[name], connection)
                for row in chunk
                for name, f in zip(names, fields, strict=True)
            ]
            cursor.execute(sql, params)
            for record in cursor.fetchall():
                inserted.append(tuple(f.to_python(v) for f, v in zip(back, record, strict=True)))
    return inserted


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field
