"""Where the metrics live, and how another part adds one (docs/architecture.md#metrics).

Two kinds:
- **Counted in the process** (the request histograms, anything a part counts as it happens): a prometheus_client
  metric made with `registry=PROCESS`. With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR (a directory the
  workers share, emptied at start): prometheus_client then keeps the values in files there and a scrape adds up every
  worker's (multiprocess mode). Without it, a scrape sees the one process that answered it.
- **Read at scrape time** (rows in the database: deadlines, jobs, deliveries, the task counters): a Collector whose
  `collect()` queries and yields metric families, registered once with `collector_register` from an AppConfig.ready().
  Each scrape runs every collector: keep each to a fixed, small number of queries (tests/metrics pins the total).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

# The metrics counted in this process. prometheus_client chooses, when it is first imported, whether their values are
# kept in memory or in PROMETHEUS_MULTIPROC_DIR's files; the scrape below reads them accordingly.
PROCESS = CollectorRegistry()

_collectors: dict[type, Collector] = {}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def collector_register(collector: Collector) -> None:
    """Add a collector whose collect() is run at every scrape. One per class: registering another of the same class
    replaces it, so a ready() run twice does not double its series."""
    _collectors[type(collector)] = collector


class Scrape:
    """Everything one scrape exposes: the process metrics (every worker's in multiprocess mode), then each registered
    collector's."""

    def collect(self) -> Iterator[Metric]:
        directory = multiprocess_dir()
        process: Collector = PROCESS
        if directory:
            process = MultiProcessCollector(None, path=directory)  # type: ignore[no-untyped-call]
        yield from process.collect()
        for collector in _collectors.values():
            yield from collector.collect()
