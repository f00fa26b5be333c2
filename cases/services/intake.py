"""Every write to children and reports: validate, save, audit, in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cases.alerts import report_alert
from cases.models import AbuseForm, Carer, Case, Child, ChildCircumstance, Perpetrator, Report, ReportAbuse, ReportChild
from cases.responsible import commune_staff
from cases.services.casework import case_open
from childprotect.accounts.models import User
from childprotect.accounts.policy import acts_for_agency, can_log_report, is_system_account
from childprotect.accounts.selectors import jurisdiction_units, user_reaches_unit
from childprotect.audit.actions import AuditAction, ChildAction, ReportAction, record_action
from childprotect.audit.services import audit_diff, audit_record, audit_snapshot
from childprotect.core.services import notify
from childprotect.places.models import AdminUnit, UnitLevel

CHILD_AGE_LIMIT = 16  # Luật Trẻ em Điều 1: a child is a person under 16
# Protected data of NĐ 56 Đ33 never goes into the audit diff in clear: the entry says the field changed, not to what.
CHILD_FIELDS = [
    "full_name",
    "other_names",
    "date_of_birth",
    "birth_year",
    "birth_year_estimated",
    "sex",
    "ethnicity",
    "national_id",
    "residence_unit",
    "address",
    "school",
    "school_class",
    "notes",
]
CHILD_PROTECTED = set(CHILD_FIELDS) - {"sex", "ethnicity", "residence_unit", "birth_year_estimated"}
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass
class ChildData:
    full_name: str
    sex: str
    residence_unit: AdminUnit
    date_of_birth: dt.date | None = None
    birth_year: int | None = None
    birth_year_estimated: bool = False
    other_names: str = ""
    ethnicity: Any = None
    national_id: str = ""
    address: str = ""
    school: str = ""
    school_class: str = ""
    notes: str = ""
    circumstances: list[str] = field(default_factory=list)
    carers: list[dict[str, str]] = field(default_factory=list)
    carers_given: bool = False  # an edit that carries the whole list of carers (absent: leave them as they are)


def logging_reach(user: User, unit: AdminUnit) -> bool:
    """May `user` log a report for `unit`? Their jurisdiction; for a partner, the area their agency serves; for an
    API client, its scope (its unit's subtree, or the whole country when it has none)."""
    if acts_for_agency(user):
        return user.agency is not None and user.agency.unit.contains(unit)
    if is_system_account(user):
        return user.is_active and (user.unit is None or user.unit.contains(unit))
    return user_reaches_unit(user, unit)


def logging_communes(user: User) -> QuerySet[AdminUnit]:
    """The communes of the current list `user` may log a report for: `logging_reach` as a query (the field app lists
    them, api/field.py). Their jurisdiction's; for a partner, the area their agency serves; none for a role that logs
    no report."""
    communes = AdminUnit.objects.filter(list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST, level=UnitLevel.COMMUNE)
    if not can_log_report(user):
        return communes.none()
    if acts_for_agency(user):
        area = user.agency.unit if user.agency is not None else None
        if area is None:
            return communes.none()
        return communes.filter(path__startswith=area.path + "/") | communes.filter(pk=area.pk)
    return communes.filter(pk__in=jurisdiction_units(user).values("pk"))


def age_on(child_dob: dt.date | None, birth_year: int, day: dt.date) -> tuple[int, bool]:
    """(age in whole years on `day`, exact?). With only a year, the smallest age the child can have."""
    if child_dob:
        years = day.year - child_dob.year - ((day.month, day.day) < (child_dob.month, child_dob.day))
        return years, True
    return day.year - birth_year - 1, False


def child_label(child: Child) -> str:
    """How the audit log names a child: by number, never by name (the log is read by people with no need to know)."""
    return f"Trẻ em #{child.pk}"


def _check_child_data(data: ChildData) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if data.date_of_birth and data.date_of_birth > today:
        errors["date_of_birth"] = "Ngày sinh không thể ở tương lai."
    if not data.date_of_birth and not data.birth_year:
        errors["birth_year"] = "Cần ngày sinh hoặc năm sinh (ước tính)."
    if data.birth_year and not data.date_of_birth and not (1900 <= data.birth_year <= today.year):
        errors["birth_year"] = f"Năm sinh phải từ 1900 đến {today.year}."
    if data.national_id and not (len(data.national_id) == 12 and data.national_id.isdigit()):
        errors["national_id"] = "Mã định danh cá nhân gồm đúng 12 chữ số."
    if data.residence_unit.level != UnitLevel.COMMUNE:
        errors["residence_unit"] = "Nơi cư trú phải là một xã, phường, đặc khu."
    if not data.full_name.strip():
        errors["full_name"] = "Cần họ và tên của trẻ em."
    if errors:
        raise ValidationError(errors)
    years, _ = age_on(data.date_of_birth, _birth_year(data), today)
    if years >= 18:
        # A child's record is kept past 16 while their case runs, but a registrant of 18 or more is a mistake.
        raise ValidationError({"date_of_birth": f"Người này đã {years} tuổi: không thể đăng ký là trẻ em."})


def _birth_year(data: ChildData) -> int:
    return data.date_of_birth.year if data.date_of_birth else (data.birth_year or 0)


def _national_id_holders(actor: User, national_id: str, exclude_pk: int | None, message: str) -> list[Child]:
    """The other children with this ID number, refused if the actor can see one of them (they should pick that
    child), returned otherwise.

    Outside the actor's reach the number must not be an oracle: the registration goes through exactly as with a
    number nobody has, and `_national_id_shared` flags the pair for whoever sees both (a supervisor over both
    communes: the child's page and the children list's "same ID" filter). No database constraint can say "unique
    within reach", so the ID is indexed, not unique.
    """
    if not national_id:
        return []
    from cases.selectors import children_visible_to

    others = Child.objects.filter(national_id=national_id)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if children_visible_to(actor).filter(pk__in=others.values("pk")).exists():
        raise ValidationError({"national_id": message})
    return list(others)


def _national_id_shared(actor: User, child: Child, shared: list[Child]) -> None:
    """The audit entry of a number also held outside the actor's reach, naming the children by number only."""
    if shared:
        audit_record(
            actor=actor,
            action=ChildAction.NATIONAL_ID_SHARED,
            object_repr=child_label(child),
            obj=child,
            changes={"also_on": [child_label(c) for c in shared]},
        )


def child_register(*, actor: User, data: ChildData, standalone: bool = True) -> Child:
    """Register a child. Standalone registration is for children living in the actor's jurisdiction; a child
    concerned by a report of the actor's commune may live anywhere (the report makes them visible)."""
    _check_child_data(data)
    if standalone:
        if not user_reaches_unit(actor, data.residence_unit):
            raise ValidationError({"residence_unit": "Nơi cư trú nằm ngoài địa bàn bạn phụ trách."})
        years, exact = age_on(data.date_of_birth, _birth_year(data), timezone.localdate())
        if years >= CHILD_AGE_LIMIT:
            raise ValidationError(
                {
                    "date_of_birth": f"Trẻ em là người dưới 16 tuổi (Luật Trẻ em Điều 1); người này "
                    f"đã {'' if exact else 'ít nhất '}{years} tuổi."
                }
            )
    shared = _national_id_holders(
        actor, data.national_id, None, "Mã định danh này đã có trong sổ theo dõi; hãy chọn trẻ em đã có."
    )
    with transaction.atomic():
        child = Child(created_by=actor, **{k: getattr(data, k) for k in CHILD_FIELDS})
        child.birth_year = _birth_year(data)
        child.full_clean(exclude=["created_by"])
        child.save()
        ChildCircumstance.objects.bulk_create(
            [ChildCircumstance(child=child, group=g) for g in set(data.circumstances)]
        )
        for carer in data.carers:
            if carer.get("full_name", "").strip():
                Carer(child=child, **carer).save()
        audit_record(
            actor=actor,
            action=ChildAction.REGISTER,
            object_repr=child_label(child),
            obj=child,
            changes=audit_diff({}, audit_snapshot(child, CHILD_FIELDS), masked=CHILD_PROTECTED),
        )
        _national_id_shared(actor, child, shared)
    return child


def child_update(*, actor: User, child: Child, data: ChildData, version: int) -> Child:
    """Save edits made from `version`; if someone saved in between, refuse (nobody's edit is lost silently)."""
    _check_child_data(data)
    shared = (
        _national_id_holders(
            actor, data.national_id, child.pk, "Mã định danh này thuộc một trẻ em khác trong sổ theo dõi."
        )
        if data.national_id != child.national_id
        else []
    )
    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        if locked.version != version:
            raise ValidationError(
                "Hồ sơ này vừa được người khác sửa. Nội dung bạn nhập vẫn còn dưới đây; "
                "hãy xem lại bản mới nhất rồi lưu lại.",
                code="stale",
            )
        before = audit_snapshot(locked, CHILD_FIELDS)
        for name in CHILD_FIELDS:
            setattr(locked, name, getattr(data, name))
        locked.birth_year = _birth_year(data)
        locked.version += 1
        locked.full_clean(exclude=["created_by"])
        locked.save()
        had, wanted = set(locked.circumstances.values_list("group", flat=True)), set(data.circumstances)
        locked.circumstances.filter(group__in=had - wanted).delete()
        ChildCircumstance.objects.bulk_create([ChildCircumstance(child=locked, group=g) for g in wanted - had])
        changes = audit_diff(before, audit_snapshot(locked, CHILD_FIELDS), masked=CHILD_PROTECTED)
        if had != wanted:
            changes["circumstances"] = ["***", "***"]  # health and status groups are protected data
        if data.carers_given:
            rows = [
                (c["full_name"], c.get("relation", ""), c.get("phone", ""))
                for c in data.carers
                if c.get("full_name", "").strip()
            ]
            if [(c.full_name, c.relation, c.phone) for c in locked.carers.all()] != rows:
                locked.carers.all().delete()  # a short list, replaced whole: nothing refers to a carer row
                for full_name, relation, phone in rows:
                    Carer(child=locked, full_name=full_name, relation=relation, phone=phone).save()
                changes["carers"] = ["***", "***"]  # family information is protected data (NĐ 56 Đ33)
        audit_record(
            actor=actor, action=ChildAction.UPDATE, obj=locked, object_repr=child_label(locked), changes=changes
        )
        _national_id_shared(actor, locked, shared)
    return locked


@dataclass
class ReportData:
    report_type: str
    channel: Any
    received_at: dt.datetime
    description: str
    environment: str
    incident_unit: AdminUnit
    forms: list[str]
    incident_date: dt.date | None = None
    incident_place: str = ""
    reporter_anonymous: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_address: str = ""
    reporter_relation: str = ""
    injury: bool = False
    ongoing_danger: bool = False
    carer_is_perpetrator: bool = False
    perpetrators: list[dict[str, Any]] = field(default_factory=list)
    # NĐ 56 Mẫu 01 A.2, each optional (what the reporter knows).
    child_age_estimate: int | None = None
    child_condition: str = ""
    likely_consequences: str = ""
    father_name: str = ""
    father_age: int | None = None
    father_occupation: str = ""
    mother_name: str = ""
    mother_age: int | None = None
    mother_occupation: str = ""
    family_situation: str = ""
    current_carer: str = ""
    prior_actions: str = ""


# Mẫu 01's facts about the child and the family: protected data (NĐ 56 Đ33), masked in the audit diff like the
# reporter's identity.
MAU01_FIELDS = [
    "child_age_estimate",
    "child_condition",
    "likely_consequences",
    "father_name",
    "father_age",
    "father_occupation",
    "mother_name",
    "mother_age",
    "mother_occupation",
    "family_situation",
    "current_carer",
    "prior_actions",
]
MAU01_TEXT_MAX = 2000  # a long free text of Mẫu 01 (the database column has no limit; the form does)
MAU01_LENGTHS = {
    "child_condition": MAU01_TEXT_MAX,
    "likely_consequences": MAU01_TEXT_MAX,
    "family_situation": MAU01_TEXT_MAX,
    "prior_actions": MAU01_TEXT_MAX,
    "father_name": 150,
    "mother_name": 150,
    "father_occupation": 100,
    "mother_occupation": 100,
    "current_carer": 255,
}
PARENT_AGES = (10, 120)
REPORT_FIELDS = [
    "report_type",
    "channel",
    "received_at",
    "description",
    "environment",
    "incident_unit",
    "incident_date",
    "incident_place",
    "reporter_anonymous",
    "reporter_name",
    "reporter_phone",
    "reporter_address",
    "reporter_relation",
    "injury",
    "ongoing_danger",
    "carer_is_perpetrator",
    *MAU01_FIELDS,
]
REPORTER_FIELDS = {"reporter_name", "reporter_phone", "reporter_address", "reporter_relation"}


def _check_report_data(actor: User, data: ReportData) -> None:
    now = timezone.now()
    errors: dict[str, str] = {}
    forms = set(data.forms)
    if not forms & {v for v in AbuseForm.values if not v.startswith("sexual_") or v == "sexual_abuse"}:
        errors["forms"] = "Chọn ít nhất một hình thức xâm hại."
    if data.received_at > now + CLOCK_SKEW:
        errors["received_at"] = "Thời điểm tiếp nhận không thể ở tương lai."
    if data.incident_date and data.incident_date > timezone.localtime(data.received_at).date():
        errors["incident_date"] = "Ngày xảy ra không thể sau thời điểm tiếp nhận."
    if data.incident_unit.level != UnitLevel.COMMUNE:
        errors["incident_unit"] = "Nơi xảy ra phải là một xã, phường, đặc khu."
    elif not logging_reach(actor, data.incident_unit):
        errors["incident_unit"] = f"{data.incident_unit.name} nằm ngoài địa bàn bạn được tiếp nhận thông tin."
    if not data.description.strip():
        errors["description"] = "Cần mô tả nội dung sự việc."
    errors.update(_mau01_errors(data))
    if errors:
        raise ValidationError(errors)


def _mau01_errors(data: ReportData) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, limit in MAU01_LENGTHS.items():
        if len(getattr(data, name)) > limit:
            errors[name] = f"Tối đa {limit} ký tự (hiện có {len(getattr(data, name))})."
    age = data.child_age_estimate
    if age is not None and not 0 <= age < CHILD_AGE_LIMIT:
        errors["child_age_estimate"] = (
            "Trẻ em là người dưới 16 tuổi (Luật Trẻ em Điều 1): tuổi ước lượng phải từ 0 đến 15."
        )
    low, high = PARENT_AGES
    for name, who in (("father_age", "cha"), ("mother_age", "mẹ")):
        value = getattr(data, name)
        if value is not None and not low <= value <= high:
            errors[name] = f"Tuổi của {who} phải từ {low} đến {high}."
    return errors


def report_receive(*, actor: User, data: ReportData, entered_offline: bool = False) -> Report:
    """Log a report (Mẫu 01). It belongs to the commune where the incident happened (NĐ 56 Đ26 k1); that commune's
    officers and chair are notified unless the one logging it is among them. `entered_offline`: logged in the field
    app (Report.entered_offline), `received_at` being the time the officer recorded."""
    if not can_log_report(actor):
        raise ValidationError("Vai trò của bạn không tiếp nhận thông tin, thông báo, tố giác.")
    forms = set(data.forms)
    if forms & {v for v in AbuseForm.values if v.startswith("sexual_")}:
        forms.add(AbuseForm.SEXUAL_ABUSE)  # a subtype implies the form
    data.forms = sorted(forms)
    _check_report_data(actor, data)
    with transaction.atomic():
        report = Report(
            received_by=actor, entered_offline=entered_offline, **{k: getattr(data, k) for k in REPORT_FIELDS}
        )
        if report.reporter_anonymous:
            report.reporter_name = report.reporter_phone = report.reporter_address = ""
        report.received_at = report.received_at.replace(second=0, microsecond=0)  # Mẫu 01: to the minute
        report.full_clean(exclude=["received_by", "reference"])
        report.save()
        report.reference = f"{timezone.localtime(report.received_at):%Y}-{data.incident_unit.code}-{report.pk:06d}"
        report.save(update_fields=["reference"])
        ReportAbuse.objects.bulk_create([ReportAbuse(report=report, form=f) for f in data.forms])
        for p in data.perpetrators:
            Perpetrator(report=report, **p).save()
        audit_record(
            actor=actor,
            action=ReportAction.RECEIVE,
            obj=report,
            changes=audit_diff({}, audit_snapshot(report, REPORT_FIELDS), masked=REPORTER_FIELDS | set(MAU01_FIELDS)),
        )
        staff = commune_staff(data.incident_unit.pk).exclude(pk=actor.pk)
        notify(
            recipients=staff,
            title=f"Thông tin mới {report.reference} tại {data.incident_unit.name}",
            body=(
                "Có thông tin, thông báo, tố giác mới cần đánh giá nguy cơ ban đầu trong 12 giờ"
                f" kể từ {timezone.localtime(report.received_at):%H:%M %d/%m/%Y}."
            ),
            url=reverse("cases:report_detail", args=[report.pk]),
            key=f"report-received:{report.pk}",
            **report_alert(report, data.incident_unit.pk),
        )
    return report


def report_attach_child(*, actor: User, report: Report, child: Child) -> ReportChild:
    """Attach a child to a report; refuses a person who was 16 or older on the day of the incident (Điều 1)."""
    day = report.incident_date or timezone.localtime(report.received_at).date()
    years, exact = age_on(child.date_of_birth, child.birth_year, day)
    if years >= CHILD_AGE_LIMIT:
        age = f"{years} tuổi" if exact else f"ít nhất {years} tuổi"
        raise ValidationError(
            f"{child.full_name} đã {age} vào ngày {day:%d/%m/%Y}, ngày xảy ra sự việc: "
            "Luật Trẻ em chỉ áp dụng cho người dưới 16 tuổi."
        )
    with transaction.atomic():
        link, created = ReportChild.objects.get_or_create(report=report, child=child)
        if created:
            audit_record(actor=actor, action=ReportAction.ATTACH_CHILD, obj=report, changes={"child": [None, child.pk]})
            case_open(actor=actor, report=report, child=child)  # NĐ 56: the procedure runs for each child
    return link


def report_register_child(*, actor: User, report: Report, data: ChildData) -> Child:
    """Register a new child and attach them to the report, all or nothing."""
    with transaction.atomic():
        child = child_register(actor=actor, data=data, standalone=False)
        report_attach_child(actor=actor, report=report, child=child)
    return child


def record_view(
    *,
    actor: User,
    obj: Child | Report | Case,
    details: dict[str, Any] | None = None,
    action: AuditAction | None = None,
) -> None:
    """Every view of a child's, report's or case's page is recorded (NĐ 56 Đ33: who accessed protected data); so is
    every print and download of one (`action`: CaseAction.PRINT, ReportAction.PRINT, CaseAction.ATTACHMENT_DOWNLOAD)."""
    label = child_label(obj) if isinstance(obj, Child) else None
    action = action or record_action(obj, "view")
    audit_record(actor=actor, action=action, obj=obj, object_repr=label, changes=details or {})
