"""Counts grouped as each language writes them, where a template asks for grouping: 100.000 in Vietnamese."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize(("language", "shown"), [("vi", "100.000 / 1.000"), ("en", "100,000 / 1,000")])
def test_grouped_counts_follow_the_language(language, shown):
    with translation.override(language):
        assert (
            Template('{{ a|floatformat:"0g" }} / {{ b|floatformat:"0g" }}').render(Context({"a": 100000, "b": 1000}))
            == shown
        )
