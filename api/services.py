"""Every write to API clients and tokens: validate, save, audit, in one transaction (docs/api.md#clients).

A client is registered by an administrator with its scope (a province or commune of the current list, or none: the
whole country) and gets an account of its own (role api_client, no password: it signs in with tokens only). A token
is returned in clear once, by `token_issue`; only its digest is kept.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import can_manage_api_clients, is_system_account
from childprotect.audit.actions import ApiAction
from childprotect.audit.services import MASK, audit_diff, audit_record
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.text import fold

from .models import ApiClient, ApiToken
from .tokens import new_token

SCOPE_LEVELS = {UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE}


CLIENT_FIELDS = ["name", "kind", "contact", "rate_limit", "webhook_url"]  # what client_update changes, with the scope
STALE = (
    "Hệ thống đối tác này vừa được người khác sửa. Nội dung bạn nhập vẫn còn dưới đây; "
    "hãy xem lại bản mới nhất rồi lưu lại."
)


def _may_manage_clients(actor: User) -> None:
    if not can_manage_api_clients(actor):
        raise ValidationError("Chỉ quản trị hệ thống mới quản lý hệ thống đối tác và mã truy cập API.")


def _check_scope(scope: AdminUnit | None) -> None:
    if scope is None:
        return
    if scope.level not in SCOPE_LEVELS:
        raise ValidationError({"scope": "Phạm vi phải là một tỉnh, thành phố, một huyện hoặc một xã."})
    if scope.list_version != settings.CHILDPROTECT_CURRENT_UNIT_LIST:
        raise ValidationError(
            {"scope": f"Phạm vi phải là một đơn vị của danh mục hiện hành ({settings.CHILDPROTECT_CURRENT_UNIT_LIST})."}
        )


def scope_label(scope: AdminUnit | None) -> str:
    """How a client's scope is written in the audit log and shown: the unit's code and name, or the whole country."""
    return f"{scope.code} {scope.name}" if scope is not None else "toàn quốc"


def _webhook_secret_new(actor: User, client: ApiClient) -> str:
    """A new HMAC key for the client's webhook, saved and audited (never its value): the caller shows it once."""
    client.webhook_secret = secrets.token_hex(32)
    client.save(update_fields=["webhook_secret"])
    audit_record(actor=actor, action=ApiAction.WEBHOOK_SECRET, obj=client, changes={"webhook_secret": [MASK, MASK]})
    return client.webhook_secret


def client_register(
    *,
    actor: User,
    name: str,
    kind: str,
    scope: AdminUnit | None,
    contact: str = "",
    rate_limit: int = 120,
    webhook_url: str = "",
) -> ApiClient:
    """Register an API client and its account. `scope` None: it may send reports for the whole country."""
    _may_manage_clients(actor)
    _check_scope(scope)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Cần tên hệ thống đối tác."})
    if ApiClient.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "Đã có hệ thống đối tác mang tên này."})
    with transaction.atomic():
        base = "api-" + (slugify(fold(name))[:40] or "client")
        username, n = base, 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}-{n}"
        account = User(username=username, role=Role.API_CLIENT, unit=scope, full_name=name[:150])
        account.set_unusable_password()
        account.full_clean(exclude=["password"])
        account.save()
        client = ApiClient(
            name=name,
            kind=kind,
            account=account,
            contact=contact,
            rate_limit=rate_limit,
            webhook_url=webhook_url,
            created_by=actor,
        )
        client.full_clean(exclude=["account", "created_by"])
        client.save()
        audit_record(
            actor=actor,
            action=ApiAction.CLIENT_CREATE,
            obj=client,
            changes={
                "kind": [None, kind],
                "scope": [None, scope.code if scope else "toàn quốc"],
                "rate_limit": [None, rate_limit],
                "webhook_url": [None, webhook_url],
            },
        )
        if webhook_url:
            _webhook_secret_new(actor, client)  # read it from client.webhook_secret to show it, once
    return client


def client_update(
    *,
    actor: User,
    client: ApiClient,
    version: int,
    name: str,
    kind: str,
    scope: AdminUnit | None,
    contact: str = "",
    rate_limit: int = 120,
    webhook_url: str = "",
) -> tuple[ApiClient, str]:
    """Save an administrator's edits made from `version` (someone saved in between: refused, nothing changed).

    The scope is its account's unit. Returns the client and, when its webhook URL was set for the first time, the new
    signing key in clear (to show once; "" otherwise)."""
    _may_manage_clients(actor)
    _check_scope(scope)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Cần tên hệ thống đối tác."})
    if ApiClient.objects.filter(name__iexact=name).exclude(pk=client.pk).exists():
        raise ValidationError({"name": "Đã có hệ thống đối tác mang tên này."})
    secret = ""
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update(of=("self",)).select_related("account__unit").get(pk=client.pk)
        if locked.version != version:
            raise ValidationError(STALE, code="stale")
        account = locked.account
        before = {f: getattr(locked, f) for f in CLIENT_FIELDS} | {"scope": scope_label(account.unit)}
        locked.name, locked.kind, locked.contact = name, kind, contact.strip()
        locked.rate_limit, locked.webhook_url = rate_limit, webhook_url.strip()
        locked.version += 1
        locked.full_clean(exclude=["account", "created_by"])
        locked.save()
        if account.unit_id != (scope.pk if scope else None) or account.full_name != name[:150]:
            account.unit, account.full_name = scope, name[:150]
            account.save(update_fields=["unit", "full_name"])
        after = {f: getattr(locked, f) for f in CLIENT_FIELDS} | {"scope": scope_label(scope)}
        audit_record(actor=actor, action=ApiAction.CLIENT_UPDATE, obj=locked, changes=audit_diff(before, after))
        if locked.webhook_url and not locked.webhook_secret:
            secret = _webhook_secret_new(actor, locked)
    return locked, secret


def client_set_active(*, actor: User, client: ApiClient, active: bool) -> ApiClient:
    """Pause a client (every call of its tokens is refused at once) or let it call again. Setting it as it is changes
    nothing."""
    _may_manage_clients(actor)
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if locked.is_active != active:
            locked.is_active = active
            locked.version += 1
            locked.save(update_fields=["is_active", "version"])
            audit_record(
                actor=actor, action=ApiAction.CLIENT_UPDATE, obj=locked, changes={"is_active": [not active, active]}
            )
    return locked


def webhook_secret_rotate(*, actor: User, client: ApiClient) -> tuple[ApiClient, str]:
    """A new signing key for the client's webhook: the old one stops verifying at once. Returns the key in clear,
    never shown again."""
    _may_manage_clients(actor)
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not locked.webhook_url:
            raise ValidationError("Hệ thống đối tác này chưa có địa chỉ nhận thông báo (webhook).")
        secret = _webhook_secret_new(actor, locked)
    return locked, secret


def token_issue(*, actor: User, account: User, label: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a token for `account` (a client's, by an administrator; a person's own, by that person). Returns the
    token row and the token in clear, which is never shown again."""
    if is_system_account(account):
        _may_manage_clients(actor)
    elif actor.pk != account.pk:
        raise ValidationError("Mỗi người chỉ tự tạo mã truy cập cho tài khoản của mình.")
    if not account.is_active:
        raise ValidationError("Tài khoản này đã ngừng hoạt động; không thể cấp mã truy cập.")
    longest = settings.CHILDPROTECT_API_TOKEN_MAX_DAYS
    days = longest if days is None else days
    if not 1 <= days <= longest:
        raise ValidationError({"days": f"Thời hạn của mã truy cập từ 1 đến {longest} ngày."})
    plain, prefix, digest = new_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            account=account,
            label=label.strip()[:100],
            prefix=prefix,
            digest=digest,
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action=ApiAction.TOKEN_ISSUE,
            obj=token,
            object_repr=f"{account.get_username()}: {token}",
            changes={"expires_at": [None, timezone.localtime(token.expires_at).isoformat()]},
        )
    return token, plain


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once: its next call is refused. Revoking twice changes nothing."""
    if is_system_account(token.account):
        _may_manage_clients(actor)
    elif actor.pk != token.account_id and not actor.is_administrator:
        raise ValidationError("Bạn không thể thu hồi mã truy cập của người khác.")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at, locked.revoked_by = timezone.now(), actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                actor=actor,
                action=ApiAction.TOKEN_REVOKE,
                obj=locked,
                object_repr=f"{locked.account.get_username()}: {locked}",
            )
    return locked
