from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:  # models cannot be imported before the app registry is ready
    from childprotect.accounts.models import User


def _partner_access_sync(sender: Any, *, actor: User | None, user: User, **kwargs: Any) -> None:
    from .services import partner_access_sync

    partner_access_sync(actor=actor, user=user)


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Chuyển tuyến"

    def ready(self) -> None:
        # What the shared floor offers and this app fills in: the words of its steps, its list's export.
        from childprotect.audit.actions import referral_step, steps_register
        from childprotect.exports import export_register

        from .resources import REFERRALS
        from .workflow import TRANSITIONS

        steps_register({referral_step(s.action): s.label for s in TRANSITIONS})
        export_register(REFERRALS)
        # What SMS and Zalo may say is due: the referral's steps (docs/alerts.md#what-leaves).
        from childprotect.alerts.messages import register_safe_phrases

        register_safe_phrases(str(s.label) for s in TRANSITIONS)
        # A partner who joins, leaves or changes agency, or is (de)activated, gains or loses the cases its agency's
        # referrals share: accounts sends the signal, being below referrals.
        from childprotect.accounts.signals import account_changed

        account_changed.connect(_partner_access_sync, dispatch_uid="referrals.partner_access_sync")
        # The case page shows the case's referrals and their events; a partner is sent to their referral.
        from cases.extensions import case_page_part_register, partner_route_register

        from .selectors import case_page_part, partner_case_url

        case_page_part_register("referrals", case_page_part)
        partner_route_register("referrals", partner_case_url)
