"""/healthz and /readyz: for load balancers and orchestrators, unauthenticated, never cached, writing nothing
(docs/architecture.md#health-heartbeats-and-alarms). The bodies say ok or fail per check, never why: no error text,
no host name."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .broker import broker_reachable
from .models import AlarmKind
from .selectors import health_problems

logger = logging.getLogger(__name__)

OK, FAIL = "ok", "fail"
STATUS_HEADER = "X-Health-Status"
_migrated = False  # once every migration is applied, it stays so for this process's code


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answers: no database, no broker (a liveness probe must not restart a web process
    because the database is down)."""
    response = HttpResponse("ok", content_type="text/plain; charset=utf-8")
    response[STATUS_HEADER] = OK
    return response


def _check(name: str, probe: object) -> str:
    try:
        return OK if callable(probe) and probe() else FAIL
    except Exception:  # the reason goes to the log only
        logger.warning("readyz: %s failed", name, exc_info=True)
        return FAIL


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return bool(cursor.fetchone() == (1,))


def _cache() -> bool:
    cache.get("health:readyz")  # a read: a missing key is fine, an unreachable cache raises
    return True


def _migrations() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: database, cache and broker reachable, migrations applied; otherwise 503 ("fail"), and the
    balancer takes this process out of rotation. The background machinery's alarms (deadline scan stopped, no
    worker, a queue growing) answer 200 with status "degraded" and the X-Health-Status header: taking web processes
    out of rotation would not restart beat, and would put the whole site down for it."""
    checks = {
        "database": _check("database", _database),
        "cache": _check("cache", _cache),
        "broker": _check("broker", broker_reachable),
    }
    checks["migrations"] = _check("migrations", _migrations) if checks["database"] == OK else FAIL
    status = OK if all(v == OK for v in checks.values()) else FAIL
    if checks["database"] == OK:
        try:
            kinds = {p.kind for p in health_problems()}
        except Exception:
            logger.warning("readyz: the heartbeats could not be read", exc_info=True)
            kinds = set(AlarmKind)
        checks["deadline_scan"] = FAIL if AlarmKind.SCAN_STALE in kinds else OK
        checks["workers"] = FAIL if AlarmKind.NO_WORKER in kinds else OK
        checks["queues"] = FAIL if AlarmKind.QUEUE_GROWING in kinds else OK
        if status == OK and kinds:
            status = "degraded"
    response = JsonResponse({"status": status, "checks": checks}, status=503 if status == FAIL else 200)
    response[STATUS_HEADER] = status
    return response
