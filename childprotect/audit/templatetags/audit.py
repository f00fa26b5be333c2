"""{% access_log record %}: the card "who accessed this record" on a child's, report's or case's page."""

from __future__ import annotations

from typing import Any

from django import template

from childprotect.accounts.policy import can_see_access_log
from childprotect.audit.actions import entry_label
from childprotect.audit.selectors import accesses_to

register = template.Library()
SHOWN = 30


@register.inclusion_tag("audit/_access_log.html", takes_context=True)
def access_log(context: dict[str, Any], record: Any) -> dict[str, Any]:
    user = context["request"].user
    if not can_see_access_log(user):
        return {"shown": False}
    related: dict[type, list[Any]] = {}
    referrals = getattr(record, "referrals", None)
    if referrals is not None:
        related[referrals.model] = list(referrals.values_list("pk", flat=True))
    entries = accesses_to(user, record, related=related)
    rows = [
        {
            "at": e.at,
            # A person by name and role, the way they are known at work; the system (a scheduled task) by that word.
            "who": (e.actor.full_name or e.actor.get_username()) if e.actor else e.actor_repr,
            "role": e.actor.role_label if e.actor else "",
            "agency": e.actor.agency.name if e.actor and e.actor.agency else "",
            "what": entry_label(e.action, e.changes),
            "ip": e.ip,
        }
        for e in entries[:SHOWN]
    ]
    return {"shown": True, "entries": rows, "total": entries.count()}
