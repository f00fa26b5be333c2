"""Heavy reads on a PostgreSQL streaming replica, explicitly (docs/deployment.md#the-read-replica).

When DATABASE_REPLICA_URL is set, settings.py adds DATABASES["replica"]. Nothing goes there by default: only reads
made inside `reading_from_replica(user)` do, and the callers are named (the periodic reports and their drill-downs,
the supervisor's home counts and charts, the rows of an export). Everything else, and every write, uses the primary.

- Writes: `db_for_write` is always the primary; a standby refuses writes anyway, so a mistake would fail loudly.
- Inside a transaction on the primary (a service's `transaction.atomic`) reads stay on the primary: a write must
  never be decided on what a replica saw a moment ago.
- Read-your-writes: whoever has just written (a request with an unsafe method that did not fail, or a service or
  task that calls `replica_pin`) reads from the primary for CHILDPROTECT_REPLICA_PIN_SECONDS. The pin is in the
  cache (Redis in production), so it holds on every web process and in the workers' tasks run for that person.
- A replica that is down or lags: each process checks the replica at most every CHILDPROTECT_REPLICA_CHECK_SECONDS
  (a connection of its own with a 2 s connect timeout); when it cannot connect, or replay is behind by more than
  CHILDPROTECT_REPLICA_MAX_LAG_SECONDS (and has not caught up with what it received: an idle primary sends nothing,
  so the last replayed transaction grows old on a healthy replica), the reads go to the primary and a warning is
  logged. `replica_stats()` counts what was decided, for the metrics page.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from prometheus_client import Counter

from childprotect.metrics.registry import PROCESS

logger = logging.getLogger(__name__)

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CONNECT_TIMEOUT_SECONDS = 2

# Whether the reads of this thread (or task) go to the replica now: set by reading_from_replica only.
_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("reading_from_replica", default=False)

_lock = threading.Lock()
_health: dict[str, Any] = {"checked": 0.0, "ok": False, "reason": "not checked"}
_counts: dict[str, int] = {
    "replica_reads": 0,  # blocks read from the replica
    "fallback_down": 0,  # blocks sent to the primary because the replica could not be reached
    "fallback_lag": 0,  # ... because it lagged
    "pinned": 0,  # ... because their person had just written (read-your-writes)
    "health_checks": 0,
}


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_stats() -> dict[str, int]:
    """Counters since the process started (blocks read on the replica, fallbacks by reason, pins, health checks),
    and `replica_healthy` (1/0) as last checked; all 0 without a replica. For the metrics page."""
    with _lock:
        stats = dict(_counts)
        stats["replica_healthy"] = int(bool(_health["ok"])) if replica_configured() else 0
        stats["replica_configured"] = int(replica_configured())
    return stats


def replica_stats_reset() -> None:
    """Forget the counters and the last health check (tests)."""
    with _lock:
        for key in _counts:
            _counts[key] = 0
        _health.update(checked=0.0, ok=False, reason="not checked")


# The same decisions for /metrics (docs/architecture.md#metrics): counted in the process, added up over gunicorn's
# workers in multiprocess mode. replica_stats() keeps the per-process view (and the health) for anyone else.
DECISIONS = Counter(
    "childprotect_replica_reads",
    "Blocks of heavy reads (reports, drill-downs, area counts, export rows) by where they went: replica_reads (the "
    "replica), fallback_down, fallback_lag, pinned (the primary, and why)",
    ["outcome"],
    registry=PROCESS,
)


def _count(key: str) -> None:
    with _lock:
        _counts[key] += 1
    if key != "health_checks":
        DECISIONS.labels(outcome=key).inc()


# --- health -------------------------------------------------------------------------------------------------------

# Caught up: streaming from the primary now, and everything received is replayed (a standby cut off from its primary
# has replayed all it received too, but it is stale: then only the age of its last transaction counts).
HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), FALSE)
         AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""


def _probe() -> tuple[bool, str]:
    """Connect to the replica on a connection of our own (never the request's) and say whether it may be read."""
    import psycopg2  # the PostgreSQL driver; only a PostgreSQL replica is ever probed

    db = settings.DATABASES[REPLICA]
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if k.startswith("ssl")}  # sslmode, sslrootcert...
    try:
        conn = psycopg2.connect(
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            **options,
        )
    except psycopg2.Error as exc:
        return False, f"down: {str(exc).strip()[:200]}"
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [CONNECT_TIMEOUT_SECONDS * 1000])
            cursor.execute(HEALTH_SQL)
            in_recovery, caught_up, lag = cursor.fetchone()
    except psycopg2.Error as exc:
        return False, f"down: {str(exc).strip()[:200]}"
    finally:
        conn.close()
    if not in_recovery:  # a promoted standby, or the URL points at a primary: it is current by definition
        return True, "primary"
    if caught_up:
        return True, "caught up"
    limit = settings.CHILDPROTECT_REPLICA_MAX_LAG_SECONDS
    if lag is None or float(lag) > limit:
        return False, f"lag: replay {'unknown' if lag is None else f'{float(lag):.0f} s'} behind (limit {limit} s)"
    return True, f"lag {float(lag):.1f} s"


def replica_healthy() -> bool:
    """Whether the replica may be read now; checked at most every CHILDPROTECT_REPLICA_CHECK_SECONDS per process."""
    if not replica_configured():
        return False
    now = time.monotonic()
    with _lock:
        fresh = _health["checked"] and now - _health["checked"] < settings.CHILDPROTECT_REPLICA_CHECK_SECONDS
        if fresh:
            return bool(_health["ok"])
        _health["checked"] = now  # the other threads use the last answer while this one asks
    ok, reason = _probe()
    with _lock:
        was_ok = _health["ok"]
        _health.update(ok=ok, reason=reason, checked=time.monotonic())
        _counts["health_checks"] += 1
    if not ok:
        logger.warning("read replica not used, reads go to the primary: %s", reason)
    elif not was_ok:
        logger.info("read replica in use again (%s)", reason)
    return ok


# --- read-your-writes ---------------------------------------------------------------------------------------------


def _pin_key(user_id: int) -> str:
    return f"replica-pin:{user_id}"


def replica_pin(user_id: int | None) -> None:
    """This person has just written: their reads stay on the primary for CHILDPROTECT_REPLICA_PIN_SECONDS."""
    if user_id is None or not replica_configured():
        return
    try:
        cache.set(_pin_key(user_id), time.time(), timeout=settings.CHILDPROTECT_REPLICA_PIN_SECONDS)
    except Exception:  # the cache down must not turn a write that committed into an error page
        logger.warning("cache unavailable: the read-your-writes pin of user %s not recorded", user_id, exc_info=True)


def replica_pinned(user_id: int | None) -> bool:
    """Has this person written within CHILDPROTECT_REPLICA_PIN_SECONDS? (Unknown, the cache being down: yes.)"""
    if user_id is None:
        return False
    try:
        return cache.get(_pin_key(user_id)) is not None
    except Exception:
        logger.warning("cache unavailable: reads of user %s go to the primary", user_id, exc_info=True)
        return True


class ReplicaPinMiddleware:
    """After a request that may have written (any method but GET/HEAD/OPTIONS/TRACE) and did not fail, its person
    reads from the primary for a while. Placed after AuthenticationMiddleware."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 500 and replica_configured():
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                replica_pin(user.pk)
        return response


# --- the switch ---------------------------------------------------------------------------------------------------


@contextmanager
def reading_from_replica(user_id: int | None = None) -> Iterator[bool]:
    """Reads inside go to the replica when one is configured, healthy, and `user_id` (whose reads these are) has not
    just written; else to the primary. Yields which (True: the replica). Nested blocks keep the outer choice."""
    if _reading.get() or not replica_configured():
        yield _reading.get()
        return
    if replica_pinned(user_id):
        _count("pinned")
        use = False
    elif not replica_healthy():
        _count("fallback_lag" if str(_health["reason"]).startswith("lag") else "fallback_down")
        use = False
    else:
        _count("replica_reads")
        use = True
    token = _reading.set(use)
    try:
        yield use
    finally:
        _reading.reset(token)


def _in_write_transaction() -> bool:
    """Is the primary's connection inside a transaction of the application's (not only a test's wrapper)?"""
    blocks = connections[DEFAULT_DB_ALIAS].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


class ReplicaRouter:
    """DATABASE_ROUTERS: reads inside reading_from_replica go to the replica, everything else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if _reading.get() and not _in_write_transaction():
            return REPLICA
        return DEFAULT_DB_ALIAS  # explicit: an object read from the replica does not pull its relations there

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # one database, two doors

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view whose reads (the page rendered included) go to the replica as `reading_from_replica` decides for the
    signed-in person; the response says which database it read (X-Read-From: replica or default)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        with reading_from_replica(user_id) as on_replica:
            response = view(request, *args, **kwargs)
        response["X-Read-From"] = REPLICA if on_replica else DEFAULT_DB_ALIAS
        return response

    return wrapped
