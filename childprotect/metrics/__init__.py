"""Prometheus metrics: the `/metrics` endpoint, the request middleware, the Celery task counters and the collectors
that count rows at scrape time (docs/architecture.md#metrics)."""
