"""A deadline as people read it: "còn 3 giờ 20 phút", "quá hạn 2 giờ", with a badge that says which.

The text is computed on the server, so it is right without JavaScript; static/js/countdown.js keeps it current on an
open page (no inline script: the page's CSP allows only our own files). Overdue and due soon differ by class and by
words, never by colour alone.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


def duration_words(delta: dt.timedelta) -> str:
    """A length of time to the minute, largest units first, leaving out zeros: "1 ngày 2 giờ", "3 giờ 20 phút"."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [_("%(n)s ngày") % {"n": days}] + ([_("%(n)s giờ") % {"n": hours}] if hours else [])
    elif hours:
        parts = [_("%(n)s giờ") % {"n": hours}] + ([_("%(n)s phút") % {"n": minutes}] if minutes else [])
    elif minutes:
        parts = [_("%(n)s phút") % {"n": minutes}]
    else:
        return _("dưới 1 phút")
    return " ".join(parts)


@register.simple_tag
def countdown(due: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "còn 3 giờ 20 phút" before `due`, "quá hạn 2 giờ" from it on."""
    now = now or timezone.now()
    if due <= now:
        return _("quá hạn %(t)s") % {"t": duration_words(now - due)}
    return _("còn %(t)s") % {"t": duration_words(due - now)}


@register.inclusion_tag("core/_due_badge.html")
def due_badge(due: dt.datetime, now: dt.datetime | None = None) -> dict[str, object]:
    """The deadline's badge (overdue, or due within CHILDPROTECT_DUE_SOON_HOURS), its countdown and its time."""
    now = now or timezone.now()
    overdue = due <= now
    soon = not overdue and due - now <= dt.timedelta(hours=settings.CHILDPROTECT_DUE_SOON_HOURS)
    return {"due": due, "overdue": overdue, "soon": soon, "text": countdown(due, now)}


@register.simple_tag
def countdown_words() -> dict[str, str]:
    """The words static/js/countdown.js needs, in the page's language (given as a JSON block)."""
    return {
        "left": _("còn %(t)s") % {"t": "{t}"},
        "late": _("quá hạn %(t)s") % {"t": "{t}"},
        "day": _("%(n)s ngày") % {"n": "{n}"},
        "hour": _("%(n)s giờ") % {"n": "{n}"},
        "minute": _("%(n)s phút") % {"n": "{n}"},
        "under": _("dưới 1 phút"),
        "overdue": _("Quá hạn"),
    }
