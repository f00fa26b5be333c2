"""Insert many rows at once with one statement per batch, without building a model instance per row.

`insert_new` skips the rows a unique constraint already holds and says which ones went in (Django's
bulk_create(ignore_conflicts=True) does not), with `INSERT ... ON CONFLICT DO NOTHING RETURNING ...` (PostgreSQL, and
SQLite 3.35 or later). A row that another transaction is inserting at the same moment makes the statement wait for
that transaction (PostgreSQL) or for the database lock (SQLite), then be skipped if it committed: of two writers,
exactly one gets each row.

`insert_rows` inserts every row and returns the new keys in the rows' order, like bulk_create but several times
faster for large imports: bulk_create builds, prepares and compiles a model instance per row, which costs more than
the database's own work at tens of thousands of rows. The values are those the fields store (text, numbers,
booleans, dates, aware datetimes, dicts for JSON, keys for foreign keys); each is adapted by its field for the
database, except text, numbers and booleans, which need no adapting and go as they are. No model signal is sent and
no save() runs: the caller computes what save() would (derived columns, auto_now fields).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

BATCH = 1000  # rows per statement for insert_new: well under SQLite's 32,766 bound parameters for its tables
MAX_PARAMETERS = 32766  # SQLite's bound parameters per statement (3.32 or later); insert_rows stays under it
MAX_BATCH = 2000

# Internal types whose get_db_prep_save returns a value of these Python types unchanged.
_PLAIN: dict[str, tuple[type, ...]] = {
    "CharField": (str,),
    "TextField": (str,),
    "SlugField": (str,),
    "BooleanField": (bool,),
    **{
        name: (int,)
        for name in (
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
        )
    },
}


def insert_new(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Insert `rows` (field name -> value, the same fields in every row) into `model`'s table, skipping each row
    that would break a unique constraint; the `returning` fields of the rows inserted (plain values: keys, numbers,
    booleans, text), converted by their fields."""
    if not rows:
        return []
    names = list(rows[0])
    return _insert(model, names, [[row[n] for n in names] for row in rows], returning, BATCH, "ON CONFLICT DO NOTHING")


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Insert every one of `rows` (field name -> value, the same fields in every row) into `model`'s table, all or
    none (in the caller's transaction); the new primary keys, in the rows' order. A field no row names takes its
    default, computed once for the call; an auto_now or auto_now_add field must be named."""
    if not rows:
        return []
    meta = model._meta
    names = list(rows[0])
    given = {_field(model, n).attname for n in names}
    extra: list[tuple[str, Any]] = []
    for field in meta.concrete_fields:
        if field.primary_key or field.attname in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise TypeError(f"{model.__name__}.{field.name} is set on save: give it a value")
        extra.append((field.attname, field.get_default()))
    columns = [*names, *(name for name, _ in extra)]
    defaults = [value for _, value in extra]
    values = [[*(row[n] for n in names), *defaults] for row in rows]
    batch = max(1, min(MAX_BATCH, MAX_PARAMETERS // len(columns)))
    return [pk for (pk,) in _insert(model, columns, values, [meta.pk.attname], batch, "")]


def _insert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str],
    batch: int,
    conflict: str,
) -> list[tuple[Any, ...]]:
    meta = model._meta
    fields = [_field(model, name) for name in names]
    back = [_field(model, name) for name in returning]
    adapters = [_adapter(f) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    out = ", ".join(quote(f.column) for f in back)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # PostgreSQL: one array per column (as Django's bulk_create does), so that the server parses and plans a
    # statement of a few parameters rather than one of tens of thousands.
    unnest = connection.vendor == "postgresql"
    arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)  # type: ignore[union-attr]
    inserted: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            # Names and types from the model, values bound as parameters.
            if unnest:
                sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM UNNEST({arrays}) {conflict} RETURNING {out}"  # noqa: S608, E501
                params: list[Any] = [[adapt(row[i]) for row in chunk] for i, adapt in enumerate(adapters)]
            else:
                sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([one] * len(chunk))} {conflict} RETURNING {out}"  # noqa: S608, E501
                params = [adapt(v) for row in chunk for adapt, v in zip(adapters, row, strict=True)]
            cursor.execute(sql, params)
            for record in cursor.fetchall():
                inserted.append(tuple(f.to_python(v) for f, v in zip(back, record, strict=True)))
    return inserted


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """The field's get_db_prep_save, skipped for values it returns unchanged (None, text, numbers), and computed once
    for a value that repeats (the same `now` or dict object on every row)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kind = target.get_internal_type()
    plain = _PLAIN.get(kind, ())
    text = plain == (str,)
    database = connections[DEFAULT_DB_ALIAS]  # the object itself: `connection` is a proxy, slow to look up per value
    last: list[Any] = [object(), None]

    def adapt(value: Any) -> Any:
        if type(value) in plain or (value is None and plain) or (text and isinstance(value, str)):
            return value
        if value is not last[0]:
            last[:] = [value, field.get_db_prep_save(value, database)]
        return last[1]

    return adapt


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field
