"""Reading and posting the alert settings page (childprotect/alerts/views.py) as a browser does."""

from __future__ import annotations

import re

from django.urls import reverse

from .pages import html, version_on

SETTINGS = reverse("alerts:settings")
_INPUT = re.compile(r"<input\b[^>]*>")
_NAME = re.compile(r'\bname="([^"]+)"')


def checkboxes(response) -> dict[str, tuple[bool, bool]]:
    """Each checkbox of the page by name: (ticked, disabled)."""
    found: dict[str, tuple[bool, bool]] = {}
    for tag in _INPUT.findall(html(response)):
        if 'type="checkbox"' not in tag:
            continue
        name = _NAME.search(tag)
        assert name is not None
        found[name.group(1)] = (re.search(r"\schecked\b", tag) is not None, re.search(r"\sdisabled\b", tag) is not None)
    return found


def ticked(response) -> set[str]:
    return {name for name, (on, _) in checkboxes(response).items() if on}


def preferences_post(client, response, ticks: set[str]) -> dict[str, str]:
    """The channels' form as the browser posts it from `response` (its version) with `ticks` ticked (a disabled
    checkbox is never posted)."""
    boxes = checkboxes(response)
    data = {"version": version_on(response)}
    data.update({name: "on" for name in ticks if name in boxes and not boxes[name][1]})
    return data
