"""What accounts tell the apps above them, which accounts may not import.

`account_changed` is sent, inside the writer's transaction, after an account has been created or changed (by
`account_ensure` or in the admin), with `actor` (who, None for a command) and `user` (the account). The referrals app
listens to bring a partner's case grants in line with the agency and activity of the account
(`referrals.services.partner_access_sync`); a receiver that raises rolls the change back.
"""

from __future__ import annotations

from django.dispatch import Signal

account_changed = Signal()
