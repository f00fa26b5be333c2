"""Writes to accounts. Each validates, saves and records the audit entry in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from childprotect.agencies.models import Agency
from childprotect.audit.actions import AccountAction
from childprotect.audit.services import audit_diff, audit_record, audit_snapshot
from childprotect.places.models import AdminUnit, UnitLevel

from .models import Position, Role, User
from .selectors import account_manageable_by
from .signals import account_changed

ACCOUNT_FIELDS = ["role", "unit", "agency", "full_name", "position", "is_staff", "is_superuser", "is_active"]
# Who may be recorded as the head or a deputy of a body, and so sign for it (accounts/signatures.py): the commune's
# chair and vice-chairs, and a district's or province's agency leaders among its supervisors.
SIGNING_ROLES = (Role.COMMUNE_CHAIR, Role.SUPERVISOR)
UNIT_LEVELS = {
    Role.COMMUNE_OFFICER: (UnitLevel.COMMUNE,),
    Role.COMMUNE_CHAIR: (UnitLevel.COMMUNE,),
    # District supervisors exist where the three-tier list still applies (cases filed before 07/2025).
    Role.SUPERVISOR: (UnitLevel.PROVINCE, UnitLevel.DISTRICT),
}

NOT_MANAGEABLE = _(
    "Tên đăng nhập “%(username)s” thuộc một tài khoản bạn không quản lý được (quản trị viên, cán bộ giám sát, "
    "hoặc ngoài địa bàn của bạn); hãy chọn tên đăng nhập khác."
)
NO_PASSWORD_CHANGE = _(
    "Tài khoản đã có: không đổi mật khẩu qua nhập dữ liệu (để trống cột Mật khẩu); người dùng tự đổi mật khẩu, "
    "hoặc quản trị viên đặt lại trong trang quản trị."
)


@dataclass(frozen=True)
class AccountResult:
    user: User
    created: bool
    changed: bool


def account_validate(role: str, unit: AdminUnit | None, agency: Agency | None, position: str = "") -> None:
    """The rules of docs/law.md#people-and-places for a role: which unit it is anchored to, who belongs to an
    agency, and who may be recorded as a head or deputy (`position`, chức vụ)."""
    if position and position not in Position.values:
        raise ValidationError(f"Chức vụ '{position}' không hợp lệ; chọn một trong: {', '.join(Position.values)}.")
    if position in (Position.HEAD, Position.DEPUTY) and role not in SIGNING_ROLES:
        raise ValidationError(
            "Chỉ tài khoản Chủ tịch / Phó Chủ tịch UBND xã và cán bộ giám sát (lãnh đạo cơ quan) mới ghi chức vụ cấp "
            "trưởng hoặc cấp phó."
        )
    if role == Role.API_CLIENT:
        raise ValidationError("Tài khoản của hệ thống đối tác được tạo ở trang Đối tác kết nối (API), không ở đây.")
    if role not in Role.values:
        raise ValidationError(f"Vai trò '{role}' không hợp lệ; chọn một trong: {', '.join(Role.values)}.")
    if role in UNIT_LEVELS:
        if unit is None:
            raise ValidationError(f"Vai trò {Role(role).label} cần một đơn vị (địa bàn phụ trách).")
        if unit.level not in UNIT_LEVELS[Role(role)]:
            allowed = " hoặc ".join(str(UnitLevel(level).label).lower() for level in UNIT_LEVELS[Role(role)])
            raise ValidationError(
                f"Vai trò {Role(role).label} phải gắn với đơn vị cấp {allowed}; "
                f"'{unit.name}' là cấp {UnitLevel(unit.level).label.lower()}."
            )
    if role == Role.PARTNER and agency is None:
        raise ValidationError("Cán bộ cơ quan phối hợp phải thuộc một cơ quan (--agency).")
    if role != Role.PARTNER and agency is not None:
        raise ValidationError("Chỉ cán bộ cơ quan phối hợp mới thuộc một cơ quan.")


def account_ensure(
    *,
    actor: User | None,
    username: str,
    role: str,
    unit: AdminUnit | None = None,
    agency: Agency | None = None,
    full_name: str = "",
    password: str | None = None,
    email: str = "",
    position: str | None = None,
) -> AccountResult:
    """Create the account or bring it to the given state; with the same arguments a second time nothing changes.

    Administrators get Django admin (staff, superuser). A partner's unit is their agency's unit, for display only:
    partners see by referral, never by place.

    A person (`actor` not None: the account import) may only write an account `account_manageable_by` them, as it is
    and as it becomes, and never sets the password of an account that exists already: its owner changes it, or an
    administrator resets it by hand in the admin. Commands the operator runs (`actor` None: createaccount, loaddemo)
    keep full rights, passwords included. `position` (chức vụ): None keeps the account's as it is.
    """
    if role == Role.PARTNER and agency is not None:
        unit = agency.unit
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        created = user is None
        kept = user.position if user is not None else ""
        account_validate(role, unit, agency, kept if position is None else position)
        if user is None:
            if not password:
                raise ValidationError("Tài khoản mới cần mật khẩu (biến môi trường CHILDPROTECT_PASSWORD).")
            user = User(username=username)
        if actor is not None and not created:
            if not account_manageable_by(actor, user):
                raise ValidationError(NOT_MANAGEABLE % {"username": username})
            if password and user.pk != actor.pk:
                raise ValidationError(NO_PASSWORD_CHANGE)
        before = {} if created else audit_snapshot(user, ACCOUNT_FIELDS)
        user.role, user.unit, user.agency = role, unit, agency
        user.full_name = full_name or user.full_name
        if position is not None:
            user.position = position
        user.email = email or user.email
        user.is_staff = user.is_superuser = role == Role.ADMIN
        # An account an administrator deactivated stays so: provisioning again does not bring it back.
        password_changed = password is not None and password != "" and (created or not user.check_password(password))
        if password and password_changed:
            validate_password(password, user)
            user.set_password(password)
        if not account_manageable_by(actor, user):
            raise ValidationError(NOT_MANAGEABLE % {"username": username})
        after = audit_snapshot(user, ACCOUNT_FIELDS)
        changed = created or password_changed or after != before
        if changed:
            user.full_clean(exclude=["password"])
            user.save()
            changes = audit_diff(before, after)
            if password_changed:
                changes["password"] = ["***", "***"]
            audit_record(
                actor=actor, action=AccountAction.CREATE if created else AccountAction.UPDATE, obj=user, changes=changes
            )
            # A partner who joins (or leaves) an agency gains (or loses) the cases its open referrals share.
            account_changed.send(sender=User, actor=actor, user=user)
    return AccountResult(user, created, changed)
