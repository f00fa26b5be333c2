"""Gunicorn's settings in production: `gunicorn -c childprotect/deploy/gunicorn.conf.py childprotect.wsgi`, run from
the repository root (the image's /app). The Dockerfile's CMD and docker-compose.yml's web command use it; the bench
drivers (devtools/bench/race.py, load.py) too, with their own address and sizes on the command line, which wins over
this file.

Environment: PORT (8000), WEB_CONCURRENCY (worker processes, 3), GUNICORN_THREADS (threads per process, 4),
GUNICORN_TIMEOUT (seconds, 120), TRUSTED_PROXIES (the proxies whose X-Forwarded-Proto gunicorn believes: the same list
as Django's, 127.0.0.1 and ::1 by default), PROMETHEUS_MULTIPROC_DIR (the metrics' files, below).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Processes × threads: a thread waiting on the database or a streamed download does not hold a whole process.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A worker silent this long is killed: long enough for a large export or PDF, short enough to free a stuck one.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On a deploy or restart, requests under way get this long to finish.
graceful_timeout = 30
# Behind a reverse proxy that reuses connections (Caddy's keepalive to it is shorter: childprotect/deploy/Caddyfile).
keepalive = 5

# gunicorn sets the request's scheme (wsgi.url_scheme, which Django falls back on when X-Forwarded-Proto is absent) from
# X-Forwarded-Proto for these peers only: the same list as Django's TRUSTED_PROXIES (childprotect/proxies.py), or a
# peer Django does not trust would still be taken for HTTPS through gunicorn.
forwarded_allow_ips = ",".join(
    p.strip() for p in os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()
)

# Each worker is replaced after about this many requests (spread so they do not all restart together): memory a
# worker accumulates over time is given back.
max_requests = 1000
max_requests_jitter = 100

# The workers' heartbeat files in memory, not on the container's overlay disk (which can stall them).
SHM = "/dev/shm"  # noqa: S108 (the machine's memory-backed file system, not a shared temporary directory)
if os.path.isdir(SHM):
    worker_tmp_dir = SHM

# No control socket (gunicornc): its default place is under the home directory, which the image's user may not write,
# and two servers on one machine would share it.
control_socket_disable = True

# Access and error logs to the container's output.
accesslog = "-"
errorlog = "-"

# Metrics (docs/architecture.md#metrics): every worker process counts its own requests; prometheus_client's
# multiprocess mode keeps the counts in files of a directory the workers share, and /metrics adds them up, whichever
# worker answers the scrape. The directory is PROMETHEUS_MULTIPROC_DIR if set (emptied here at start: counts of an
# earlier run would be added to this one's), otherwise one made for this server in memory and removed when it stops.
# Set here, before the workers are forked and import prometheus_client (which reads it once, on import).
_made_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
        prefix="childprotect-prometheus-", dir=SHM if os.path.isdir(SHM) else None
    )


def on_starting(server: object) -> None:
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def child_exit(server: object, worker: object) -> None:
    """A worker that exits (replaced after max_requests, killed on timeout): its live gauges are dropped; its
    counters and histograms stay in their files and in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined,no-untyped-call]


def on_exit(server: object) -> None:
    if _made_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
