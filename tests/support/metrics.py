"""Reading /metrics back: the exposition parsed by prometheus_client's own parser (tests/metrics)."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-token-for-tests-0123456789"  # noqa: S105 (a test's token)


@dataclass(frozen=True)
class Exposition:
    families: dict[str, str]  # name: type
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series is not there (a histogram's labels not yet observed)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)


def parse(text: str) -> Exposition:
    families: dict[str, str] = {}
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(text):
        families[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Exposition(families, samples)


def scrape(client: Client, token: str = TOKEN) -> Exposition:
    response = client.get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.content.decode())
