"""Delivery of webhook events (docs/api.md#webhooks): signed POSTs, in order per report, retried with backoff."""

from __future__ import annotations


def deliver_report_events(client_id: int, report_id: int) -> int:
    """POST the pending events of (client, report) in sequence order; returns how many were delivered."""
    raise NotImplementedError("webhook delivery is being built on the webhooks branch")
