"""Which channels a person's alert of a kind goes by: their own choice, else their role's default.

The defaults (docs/alerts.md#defaults): e-mail for every kind, as before the channels came; by phone (SMS and Zalo,
once a number is verified) what needs the person soon: for commune staff a new report, their turn to act and the
deadlines; for a partner a referral to their agency; for a supervisor what is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable

from childprotect.accounts.models import Role

from .models import AlertKind, AlertPreference, Channel

_COMMUNE_PHONE: set[str] = {AlertKind.NEW_REPORT, AlertKind.MY_TURN, AlertKind.DUE_SOON, AlertKind.OVERDUE}
_PHONE_DEFAULTS: dict[str, set[str]] = {
    Role.COMMUNE_OFFICER.value: _COMMUNE_PHONE,
    Role.COMMUNE_CHAIR.value: _COMMUNE_PHONE,
    Role.SUPERVISOR.value: {AlertKind.OVERDUE.value},
    Role.PARTNER.value: {AlertKind.REFERRAL.value, AlertKind.OVERDUE.value},
}


def default_channels(role: str, kind: str) -> set[str]:
    """The channels of `kind` for a person of `role` who chose nothing."""
    phone = {Channel.SMS.value, Channel.ZALO.value} if kind in _PHONE_DEFAULTS.get(role, set()) else set()
    return {Channel.EMAIL.value} | phone


def chosen_channels(user_ids: Iterable[int]) -> dict[tuple[int, str], set[str]]:
    """Each (user, kind) that a user chose channels for, in one query."""
    return {
        (p.user_id, p.kind): p.channels()
        for p in AlertPreference.objects.filter(user_id__in=set(user_ids)).only(
            "user_id", "kind", "email", "sms", "zalo"
        )
    }


def channels_for(role: str, kind: str, chosen: dict[tuple[int, str], set[str]], user_id: int) -> set[str]:
    found = chosen.get((user_id, kind))
    return found if found is not None else default_channels(role, kind)


def preference_table(user_id: int, role: str) -> list[tuple[str, str, set[str], bool]]:
    """For the preferences page: each kind (value, label), its channels now, and whether they are the default."""
    chosen = chosen_channels([user_id])
    return [
        (kind.value, str(kind.label), channels_for(role, kind, chosen, user_id), (user_id, kind.value) not in chosen)
        for kind in AlertKind
    ]
