"""Every indicator of the periodic report, in one module (docs/law.md#indicators; Thông tư 13/2021/TT-BLĐTBXH).

An indicator is a queryset of the rows it counts (reports, cases, plans, measures, referrals, steps) inside a set of
communes and a period, what it counts (distinct), and the breakdowns it is cut by. Every figure is an SQL aggregate
(COUNT(DISTINCT ...) GROUP BY ...): one query for the total and one per breakdown, whatever the number of cases.
The same definition gives the list of cases (or reports) behind any figure, for the drill-down from the screen.

A case's record counts for the commune that held the case at the record's moment (docs/law.md#indicators): a case
that never moved has no custody row and is counted where `Case.unit` says, by the plain indexed filter; the few cases
that moved (cases/models/moves.py `CaseCustody`) are looked up once per report (`Scope.moved`) and counted by their stay
at that moment. Reports received stay with the commune of the incident.

The computed figures are plain JSON, frozen in the report when it is submitted:
    {"C01": {"total": 7, "by": {"sex": [["female", "Nữ", 4], ["male", "Nam", 3]], ...}}, ...}
Breakdown rows carry their label, so a frozen report keeps the words it was submitted with.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Case as When_
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat, ExtractDay, ExtractMonth, ExtractYear

from cases.models import (
    AbuseFinding,
    AbuseForm,
    Case,
    CaseCustody,
    CaseStep,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    EmergencyMeasure,
    Environment,
    Perpetrator,
    Plan,
    PlanStatus,
    ProtectionLevel,
    Report,
    ReportAbuse,
    ReportType,
    Sex,
    SpecialCircumstance,
)
from childprotect.agencies.models import AgencyType
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import successors_of
from referrals.models import Referral, ReferralStatus

from .periods import Period

Labeller = Callable[[list[Any]], dict[Any, str]]


def _choices(choices: Iterable[tuple[Any, Any]]) -> Labeller:
    table = {k: str(v) for k, v in choices}
    return lambda keys: {k: table.get(k, str(k)) for k in keys}


def _units(keys: list[Any]) -> dict[Any, str]:
    """The communes by name; an old-list commune under the commune that took it over, its old name kept
    (docs/law.md#the-2025-reform; one more query only when there is one)."""
    units = list(AdminUnit.objects.filter(pk__in=keys).values_list("pk", "name", "list_version"))
    current = settings.CHILDPROTECT_CURRENT_UNIT_LIST
    successors = successors_of(pk for pk, _name, version in units if version != current)
    return {pk: successors[pk].label() if pk in successors else name for pk, name, _version in units}


def _same(keys: list[Any]) -> dict[Any, str]:
    return {k: str(k) for k in keys}


YES_NO = _choices([(True, "Có"), (False, "Không")])
ON_TIME = _choices([(True, "Đúng hạn"), (False, "Trễ hạn")])
AGE_UNKNOWN = "unknown"
AGE_GROUPS = [
    ("0-5", "Dưới 6 tuổi"),
    ("6-10", "Từ 6 đến dưới 11 tuổi"),
    ("11-15", "Từ 11 đến dưới 16 tuổi"),
    (AGE_UNKNOWN, "Không xác định được tuổi"),
]


def _with_age_group(qs: QuerySet[Any], child: str, on: str) -> tuple[QuerySet[Any], str]:
    """Annotate the child's age group on the date `on` (a datetime path), from the birth date or, failing it, the
    (possibly estimated) birth year. Never defaulted into a group: no birth year, or an age outside 0–15 on that
    date (a data error), is its own row, "unknown"."""
    qs = qs.annotate(
        _on_y=ExtractYear(on),
        _on_m=ExtractMonth(on),
        _on_d=ExtractDay(on),
        _b_m=ExtractMonth(f"{child}__date_of_birth"),
        _b_d=ExtractDay(f"{child}__date_of_birth"),
    ).annotate(
        _age=F("_on_y")
        - F(f"{child}__birth_year")
        - When_(
            When(Q(_b_m__gt=F("_on_m")) | Q(_b_m=F("_on_m"), _b_d__gt=F("_on_d")), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    qs = qs.annotate(
        age_group=When_(
            When(_age__isnull=True, then=Value(AGE_UNKNOWN)),
            When(_age__lt=0, then=Value(AGE_UNKNOWN)),
            When(_age__lt=6, then=Value("0-5")),
            When(_age__lt=11, then=Value("6-10")),
            When(_age__lt=16, then=Value("11-15")),
            default=Value(AGE_UNKNOWN),
        )
    )
    return qs, "age_group"


@dataclass(frozen=True)
class Dim:
    """A breakdown: the field path it groups by (or a function that annotates it), and its keys' labels."""

    name: str
    label: str
    path: str = ""
    labels: Labeller = _same
    annotate: Callable[[QuerySet[Any]], tuple[QuerySet[Any], str]] | None = None

    def grouped(self, qs: QuerySet[Any]) -> tuple[QuerySet[Any], str]:
        return self.annotate(qs) if self.annotate else (qs, self.path)


class Stay(NamedTuple):
    """One CaseCustody row, as a report's scope reads it."""

    pk: int
    case_id: int
    unit_id: int
    since: dt.datetime | None
    until: dt.datetime | None


@dataclass(frozen=True)
class Scope:
    """What an indicator is computed over: communes, a period, and the cases that moved through those communes."""

    units: list[int]
    period: Period
    stays: tuple[Stay, ...] = ()  # the stays in `units` not ended before the period (CaseCustody)

    @property
    def moved(self) -> list[int]:
        """The cases of those stays: counted by their stays rather than by `Case.unit`."""
        return sorted({stay.case_id for stay in self.stays})


# Up to this many stays in a report's communes, they are written into the SQL as literal ranges (no subquery, plans
# as good as without moves); beyond, a subquery reads each moved case's stay (a province or the country computed
# directly, whose query would otherwise grow with every move).
LITERAL_STAYS = 30


def scope_for(units: list[int], period: Period) -> Scope:
    """The scope of `units` over `period`: one query for the stays of the moved cases (none for most communes).

    A moved case held in `units` during or after the period has a stay there ending after the period's start (or
    still open): those are the cases whose records are counted by their stays rather than by `Case.unit`."""
    start, _stop = period.bounds()
    rows = (
        CaseCustody.objects.filter(Q(until__isnull=True) | Q(until__gt=start), unit_id__in=units)
        .order_by("pk")
        .values_list("pk", "case_id", "unit_id", "since", "until")
    )
    return Scope(units, period, tuple(Stay(*row) for row in rows))


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    rows: Callable[[Scope], QuerySet[Any]]
    count: str = "pk"  # counted distinct
    dims: tuple[Dim, ...] = ()
    case_path: str = "pk"  # from a row to its case, for the drill-down ("" when the rows are reports)
    unit_word: str = "vụ việc"
    at: str = ""  # the moment a moved case's record is counted at, as the drill-down says it ("" for reports)
    note: str = ""
    annex: str = ""  # its column heading in the PDF's annex by commune (reporting/output.py); "": not there
    tt13: str = ""  # its code in Thông tư 13/2021/TT-BLĐTBXH, Phụ lục IV, where one is confirmed ("": none)
    dims_by_name: dict[str, Dim] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.dims_by_name.update({d.name: d for d in self.dims})

    def compute(self, units: list[int], period: Period, scope: Scope | None = None) -> dict[str, Any]:
        qs = self.rows(scope or scope_for(units, period))
        total = qs.aggregate(n=Count(self.count, distinct=True))["n"] or 0
        by: dict[str, list[list[Any]]] = {}
        for dim in self.dims:
            grouped, path = dim.grouped(qs)
            counts = list(
                grouped.order_by().values_list(path).annotate(n=Count(self.count, distinct=True)).values_list(path, "n")
            )
            counts = [(k, n) for k, n in counts if k is not None and n]
            labels = dim.labels([k for k, _ in counts])
            by[dim.name] = sorted(([k, labels.get(k, str(k)), n] for k, n in counts), key=lambda r: (-r[2], r[1]))
        return {"total": total, "by": by}

    def total(self, scope: Scope) -> int:
        """The total alone (one query): a province's figure counted directly from the cases."""
        n: int = self.rows(scope).aggregate(n=Count(self.count, distinct=True))["n"] or 0
        return n

    def matching(self, units: list[int], period: Period, dim: str = "", key: Any = None) -> QuerySet[Any]:
        """The rows behind one figure: the total (no dim) or one breakdown key."""
        qs = self.rows(scope_for(units, period))
        if dim:
            grouped, path = self.dims_by_name[dim].grouped(qs)
            qs = grouped.filter(**{path: key})
        return qs


def _window(prefix: str, period: Period) -> Q:
    start, stop = period.bounds()
    return Q(**{f"{prefix}__gte": start, f"{prefix}__lt": stop})


def _held(scope: Scope, moment: str | dt.datetime, case: str = "") -> tuple[Q, dict[str, Any]]:
    """The rows (a case, or a case's record through `case`) whose case was held in `scope.units` at `moment` (a field
    path of the row, or an instant), and the alias `held_by`: the commune that held it then.

    A case not in `scope.moved` is where `Case.unit` says: the indexed `unit_id IN (...)` alone. A moved case is held
    by its stay with `since` ≤ moment < `until` (an empty end is open): a record made at the instant of a move counts
    for the commune it moved to. The database finds the candidates from its indexes (`unit_id IN (...) OR id IN
    (moved)`, for a record through its case), then checks the stays of the moved ones only: written as literal
    ranges up to LITERAL_STAYS stays, read by a subquery beyond. Use the condition in the same filter() call as the
    moment's own path, so that a multi-valued path (a case's plans) is one join."""
    unit, case_id = (f"{case}__unit_id", f"{case}_id") if case else ("unit_id", "pk")
    here = Q(**{f"{unit}__in": scope.units})
    if not scope.stays:
        return here, {"held_by": F(unit)}
    moved = Q(**{f"{case_id}__in": scope.moved})
    if len(scope.stays) <= LITERAL_STAYS:
        spans = [(stay, _during(stay, moment, case_id)) for stay in scope.stays]
        stayed = Q()
        for _stay, span in spans:
            stayed |= span
        held = (here & ~moved) | stayed
        holder: Any = When_(
            *(When(span, then=Value(stay.unit_id)) for stay, span in spans),
            default=F(unit),
            output_field=IntegerField(),
        )
    else:
        at = OuterRef(moment) if isinstance(moment, str) else Value(moment)
        stays = CaseCustody.objects.filter(
            Q(since__isnull=True) | Q(since__lte=at), Q(until__isnull=True) | Q(until__gt=at), case_id=OuterRef(case_id)
        ).order_by()  # stays never overlap: one at most
        held = (here & ~moved) | (moved & Q(Exists(stays.filter(pk__in=[stay.pk for stay in scope.stays]))))
        holder = When_(
            When(moved, then=Subquery(stays.values("unit_id")[:1])), default=F(unit), output_field=IntegerField()
        )
    if case:  # the record's case among the communes' cases and the moved ones (a semi-join the index answers)
        candidates = Case.all_objects.filter(Q(unit_id__in=scope.units) | Q(pk__in=scope.moved)).values("pk")
        held &= Q(**{f"{case_id}__in": candidates})
    return held, {"held_by": holder}


def _during(stay: Stay, moment: str | dt.datetime, case_id: str) -> Q:
    """The rows of the stay's case whose moment falls in the stay (since ≤ moment < until), as literal SQL."""
    if isinstance(moment, dt.datetime):
        inside = (stay.since is None or stay.since <= moment) and (stay.until is None or moment < stay.until)
        return Q(**{case_id: stay.case_id}) if inside else Q(pk__in=[])
    span = Q(**{case_id: stay.case_id})
    if stay.since is not None:
        span &= Q(**{f"{moment}__gte": stay.since})
    if stay.until is not None:
        span &= Q(**{f"{moment}__lt": stay.until})
    return span


def _reports(scope: Scope) -> QuerySet[Report]:
    """Reports stay with the commune of the incident (a forward changes it; a case's transfer does not)."""
    return Report.objects.filter(_window("received_at", scope.period), incident_unit_id__in=scope.units)


def _cases_reported(scope: Scope) -> QuerySet[Case]:
    """Each case is one child of one report: the children concerned by the reports received in the period, counted
    for the commune that held the case when the report was received."""
    held, holder = _held(scope, "report__received_at")
    return Case.objects.filter(_window("report__received_at", scope.period), held).alias(**holder)


def _of_cases(model: type[Model], moment: str, **more: Any) -> Callable[[Scope], QuerySet[Any]]:
    """The rows of a case's records (`model`, with its `case`) whose `moment` falls in the period, counted for the
    commune that held the case at that moment."""

    def rows(scope: Scope) -> QuerySet[Any]:
        held, holder = _held(scope, moment, "case")
        qs: QuerySet[Any] = model._default_manager.filter(_window(moment, scope.period), held, **more).alias(**holder)
        return qs

    return rows


def _supported(scope: Scope) -> QuerySet[Case]:
    """Cases with a plan approved in the period (and in force, or replaced since), where they were at the approval."""
    held, holder = _held(scope, "plans__approved_at")
    return Case.objects.filter(
        _window("plans__approved_at", scope.period), held, plans__status__in=PLAN_IN_FORCE
    ).alias(**holder)


def _closed(scope: Scope) -> QuerySet[Case]:
    held, holder = _held(scope, "closed_at")
    return Case.objects.filter(_window("closed_at", scope.period), held).alias(**holder)


def _open_at_end(scope: Scope) -> QuerySet[Case]:
    """Cases opened before the period's end and not closed by then, where they were at its last instant."""
    stop = scope.period.bounds()[1]
    held, holder = _held(scope, stop - dt.timedelta(microseconds=1))
    return Case.objects.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=stop), held, opened_at__lt=stop).alias(
        **holder
    )


def _found(finding: str) -> Callable[[Scope], QuerySet[Case]]:
    """Cases whose assessment concluded `finding` in the period (AbuseFinding, recorded by Mẫu 02 or Mẫu 03), where
    they were at that moment: abuse established (TT 13/2021 indicator 0101), or a child at risk."""

    def rows(scope: Scope) -> QuerySet[Case]:
        held, holder = _held(scope, "finding_at")
        return Case.objects.filter(_window("finding_at", scope.period), held, abuse_finding=finding).alias(**holder)

    return rows


def _unverified(scope: Scope) -> QuerySet[Report]:
    """Reports received in the period none of whose children has an assessment's conclusion yet (no child attached,
    not assessed, or assessed without a conclusion), as the report is computed."""
    concluded = Case.objects.filter(report_id=OuterRef("pk")).exclude(abuse_finding="")
    return _reports(scope).filter(~Exists(concluded))


# The steps whose time limit the law sets (NĐ 56/2017: 12 hours for the emergency decision, Đ26 k3; 5 working days for
# the plan, Đ28 k1; 2 working days for the chair's approval, Đ28 k4; 15 days of temporary separation at most, Đ32),
# apart from those whose limit is the product's own setting (the review interval: the text sets no period,
# docs/law.md#time-limits).
STATUTORY_DEADLINES = (DeadlineKind.EMERGENCY, DeadlineKind.PLAN, DeadlineKind.APPROVAL, DeadlineKind.SEPARATION_END)


def _steps_settling(statutory: bool) -> list[str]:
    from cases.workflow import TRANSITIONS

    return sorted(
        t.action
        for t in TRANSITIONS
        if t.settles and any(kind in STATUTORY_DEADLINES for kind in t.settles) == statutory
    )


def _timed_steps(statutory: bool) -> Callable[[Scope], QuerySet[Any]]:
    def rows(scope: Scope) -> QuerySet[Any]:
        held, holder = _held(scope, "at", "case")
        qs: QuerySet[Any] = CaseStep.objects.filter(
            _window("at", scope.period), held, on_time__isnull=False, action__in=_steps_settling(statutory)
        ).alias(**holder)
        return qs

    return rows


def _timed_indicator(code: str, label: str, *, statutory: bool, note: str) -> Indicator:
    """T01 (the law's time limits) and T02 (the settings'): the timed steps done in the period, on time or late."""
    return Indicator(
        code,
        label,
        _timed_steps(statutory=statutory),
        dims=(
            Dim("on_time", "Đúng hạn / trễ hạn", "on_time", ON_TIME),
            Dim("step", "Theo bước", "action", lambda keys: _step_labels(keys)),
        ),
        case_path="case_id",
        unit_word="bước",
        at="thực hiện bước",
        note=note,
    )


# By commune: the commune that held the case at the record's moment (`_held`); reports by the incident's commune.
COMMUNE = Dim(
    "commune", "Theo xã, phường", labels=_units, annotate=lambda qs: (qs.annotate(held_unit=F("held_by")), "held_unit")
)
SEX = Dim("sex", "Theo giới tính", "child__sex", _choices(Sex.choices))
AGE = Dim(
    "age",
    "Theo nhóm tuổi",
    labels=_choices(AGE_GROUPS),
    annotate=lambda qs: _with_age_group(qs, "child", "report__received_at"),
)
SEXUAL_SUBTYPES = [v for v in AbuseForm.values if v.startswith("sexual_") and v != AbuseForm.SEXUAL_ABUSE]
MAIN_FORMS = [v for v in AbuseForm.values if v not in SEXUAL_SUBTYPES and v != AbuseForm.EXPLOITATION_LABOUR]


def _main_form(qs: QuerySet[Any], report: str = "report__") -> tuple[QuerySet[Any], str]:
    """The main forms of abuse (Luật Trẻ em Điều 4): a sexual-abuse subtype is not a form of its own (its report also
    carries "sexual_abuse"), child labour is exploitation. A child is counted once per main form."""
    form = f"{report}abuse_forms__form"
    return qs.annotate(
        main_form=When_(
            When(**{form: AbuseForm.EXPLOITATION_LABOUR}, then=Value(AbuseForm.EXPLOITATION.value)),
            When(**{f"{form}__in": MAIN_FORMS}, then=F(form)),
            default=Value(None),
        )
    ), "main_form"


def _sexual_subtype(qs: QuerySet[Any]) -> tuple[QuerySet[Any], str]:
    form = "report__abuse_forms__form"
    return qs.annotate(
        sexual_subtype=When_(When(**{f"{form}__in": SEXUAL_SUBTYPES}, then=F(form)), default=Value(None))
    ), "sexual_subtype"


def _has_form(*forms: str) -> Exists:
    return Exists(ReportAbuse.objects.filter(report_id=OuterRef("report_id"), form__in=forms))


def _exploitation_kind(qs: QuerySet[Any]) -> tuple[QuerySet[Any], str]:
    """Child labour (bắt trẻ em lao động trái pháp luật) apart from the other exploitation: one row per child."""
    return qs.annotate(
        exploitation_kind=When_(
            When(_has_form(AbuseForm.EXPLOITATION_LABOUR), then=Value("labour")),
            When(_has_form(AbuseForm.EXPLOITATION), then=Value("other")),
            default=Value(None),
        )
    ), "exploitation_kind"


# Perpetrators who are the child's parents or carers (the relations of cases/migrations/0002_seed_vocabularies.py).
CARER_RELATIONS = ("parent", "step_parent", "carer")


def _by_carer(qs: QuerySet[Any]) -> tuple[QuerySet[Any], str]:
    carer = Exists(Perpetrator.objects.filter(report_id=OuterRef("report_id"), relation__code__in=CARER_RELATIONS))
    return qs.annotate(
        by_carer=When_(
            When(Q(report__carer_is_perpetrator=True) | Q(carer), then=Value("carer")), default=Value("other")
        )
    ), "by_carer"


FORM = Dim("form", "Theo hình thức xâm hại", labels=_choices(AbuseForm.choices), annotate=_main_form)
SEXUAL = Dim(
    "sexual",
    "Trong đó xâm hại tình dục, theo hành vi (không cộng vào tổng các hình thức)",
    labels=_choices(AbuseForm.choices),
    annotate=_sexual_subtype,
)
EXPLOITATION = Dim(
    "exploitation",
    "Trong đó bóc lột: lao động trẻ em trái pháp luật và bóc lột khác",
    labels=_choices([("labour", "Bóc lột sức lao động (lao động trái pháp luật)"), ("other", "Bóc lột khác")]),
    annotate=_exploitation_kind,
)
ENVIRONMENT = Dim("environment", "Theo môi trường xảy ra", "report__environment", _choices(Environment.choices))
BY_CARER = Dim(
    "by_carer",
    "Người xâm hại là cha, mẹ, người chăm sóc",
    labels=_choices([("carer", "Cha, mẹ, người chăm sóc trẻ em"), ("other", "Người khác hoặc chưa rõ")]),
    annotate=_by_carer,
)
RELATION = Dim(
    "relation",
    "Theo quan hệ của người xâm hại với trẻ em (một trẻ có thể có nhiều người xâm hại)",
    "report__perpetrators__relation__label",
)
ETHNICITY = Dim("ethnicity", "Theo dân tộc", "child__ethnicity__label")
CIRCUMSTANCE = Dim(
    "circumstance",
    "Theo nhóm trẻ em có hoàn cảnh đặc biệt",
    "child__circumstances__group",
    _choices(SpecialCircumstance.choices),
)
PLAN_IN_FORCE = (PlanStatus.APPROVED, PlanStatus.SUPERSEDED)  # a plan approved in the period, later replaced
LEVEL = Dim("level", "Theo mức độ bảo vệ", "level", _choices(ProtectionLevel.choices))
AGENCY_TYPE = Dim("agency_type", "Theo loại cơ quan", "agency__agency_type", _choices(AgencyType.choices))
ANSWERED = _choices([(DeadlineStatus.MET.value, "Đúng hạn"), (DeadlineStatus.LATE.value, "Trễ hạn")])


def _agency_answer_labels(keys: list[Any]) -> dict[Any, str]:
    agencies, answers = _choices(AgencyType.choices), ANSWERED
    result = {}
    for key in keys:
        agency, _sep, answer = str(key).partition(":")
        result[key] = f"{agencies([agency])[agency]} – {answers([answer])[answer].lower()}"
    return result


def _agency_answer(qs: QuerySet[Any]) -> tuple[QuerySet[Any], str]:
    return qs.annotate(
        agency_answer=Concat("referral__agency__agency_type", Value(":"), "status", output_field=CharField())
    ), "agency_answer"


CHILD_DIMS = (SEX, AGE, FORM, SEXUAL, EXPLOITATION, ENVIRONMENT, BY_CARER, RELATION, ETHNICITY, CIRCUMSTANCE, COMMUNE)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "R01",
        "Số thông tin, thông báo, tố giác về xâm hại trẻ em đã tiếp nhận",
        _reports,
        dims=(
            Dim("channel", "Theo kênh tiếp nhận", "channel__label"),
            Dim("type", "Theo loại", "report_type", _choices(ReportType.choices)),
            Dim("commune", "Theo xã, phường", "incident_unit_id", _units),
        ),
        case_path="",
        unit_word="thông tin",
        annex="Thông tin, tố giác tiếp nhận",
    ),
    Indicator(
        "R02",
        "Số thông tin, thông báo, tố giác chưa được xác minh",
        _unverified,
        dims=(Dim("commune", "Theo xã, phường", "incident_unit_id", _units),),
        case_path="",
        unit_word="thông tin",
        note="Tiếp nhận trong kỳ, chưa có kết luận đánh giá về việc xâm hại (Mẫu 02, Mẫu 03) tại thời điểm tính "
        "số liệu.",
    ),
    Indicator(
        "C01",
        "Số trẻ em bị xâm hại",
        _found(AbuseFinding.ESTABLISHED),
        count="child_id",
        dims=CHILD_DIMS,
        unit_word="trẻ em",
        at="xác định trẻ bị xâm hại",
        note="Trẻ em được kết luận bị xâm hại (đánh giá Mẫu 02 hoặc Mẫu 03) trong kỳ; một trẻ được đếm một lần. "
        "Tuổi tính đến ngày tiếp nhận thông tin.",
        annex="Trẻ em bị xâm hại",
        tt13="0101",
    ),
    Indicator(
        "C03",
        "Số trẻ em có nguy cơ bị xâm hại (chưa xác định bị xâm hại)",
        _found(AbuseFinding.AT_RISK),
        count="child_id",
        dims=(SEX, AGE, ENVIRONMENT, COMMUNE),
        unit_word="trẻ em",
        at="đánh giá trẻ có nguy cơ",
        note="Trẻ em được đánh giá có nguy cơ bị xâm hại trong kỳ, không tính vào chỉ tiêu trẻ em bị xâm hại.",
        annex="Trẻ em có nguy cơ",
    ),
    Indicator(
        "C04",
        "Số trẻ em trong các thông tin, thông báo, tố giác đã tiếp nhận",
        _cases_reported,
        count="child_id",
        dims=(SEX, AGE, FORM, SEXUAL, ENVIRONMENT, COMMUNE),
        unit_word="trẻ em",
        at="tiếp nhận thông tin",
        note="Mọi trẻ em được nêu trong thông tin tiếp nhận trong kỳ, đã hay chưa xác minh; một trẻ được đếm một lần.",
        annex="Trẻ em trong thông tin tiếp nhận",
    ),
    Indicator(
        "C02",
        "Số vụ việc xâm hại trẻ em",
        _cases_reported,
        count="report_id",
        dims=(FORM, ENVIRONMENT, COMMUNE),
        at="tiếp nhận thông tin",
        note="Mỗi thông tin, tố giác có ít nhất một trẻ em được xác định là một vụ việc.",
    ),
    Indicator(
        "S01",
        "Số trẻ em được hỗ trợ, can thiệp (có kế hoạch được phê duyệt trong kỳ)",
        _supported,
        count="child_id",
        dims=(LEVEL, SEX, COMMUNE),
        unit_word="trẻ em",
        at="phê duyệt kế hoạch",
        annex="Trẻ em được hỗ trợ, can thiệp",
    ),
    Indicator(
        "S02",
        "Số trẻ em được cung cấp dịch vụ hỗ trợ qua chuyển tuyến (đã hoàn thành trong kỳ)",
        _of_cases(Referral, "completed_at", status=ReferralStatus.COMPLETED),
        count="case__child_id",
        dims=(
            Dim("kind", "Theo loại hỗ trợ (cơ quan cung cấp)", "agency__agency_type", _choices(AgencyType.choices)),
            Dim("outcome", "Theo kết quả", "outcome__label"),
        ),
        case_path="case_id",
        unit_word="trẻ em",
        at="cơ quan hoàn thành hỗ trợ",
        note="Một trẻ được nhiều loại hỗ trợ có trong mỗi loại; tổng là số trẻ em.",
    ),
    Indicator(
        "P01",
        "Số kế hoạch hỗ trợ, can thiệp được phê duyệt",
        _of_cases(Plan, "approved_at"),
        dims=(COMMUNE,),
        case_path="case_id",
        unit_word="kế hoạch",
        at="phê duyệt kế hoạch",
    ),
    Indicator(
        "E01",
        "Số lượt áp dụng biện pháp bảo vệ khẩn cấp",
        _of_cases(EmergencyMeasure, "decided_at"),
        dims=(Dim("separation", "Trong đó cách ly tạm thời khỏi người chăm sóc", "separation", YES_NO), COMMUNE),
        case_path="case_id",
        unit_word="lượt",
        at="quyết định áp dụng biện pháp",
    ),
    Indicator(
        "F01",
        "Số lượt chuyển tuyến đến cơ quan phối hợp",
        _of_cases(Referral, "sent_at"),
        dims=(
            AGENCY_TYPE,
            Dim("status", "Theo tình trạng", "status", _choices(ReferralStatus.choices)),
            Dim("outcome", "Theo kết quả", "outcome__label"),
        ),
        case_path="case_id",
        unit_word="lượt",
        at="chuyển tuyến",
    ),
    Indicator(
        "F03",
        "Số lượt cơ quan phối hợp phản hồi chuyển tuyến",
        _of_cases(
            Deadline,
            "settled_at",
            kind=DeadlineKind.REFERRAL_RESPONSE,
            status__in=(DeadlineStatus.MET, DeadlineStatus.LATE),
        ),
        dims=(
            Dim("answered", "Đúng hạn / trễ hạn", "status", ANSWERED),
            Dim("agency_answer", "Theo loại cơ quan", labels=_agency_answer_labels, annotate=_agency_answer),
        ),
        case_path="case_id",
        unit_word="lượt",
        at="cơ quan phản hồi",
        note="Phản hồi (tiếp nhận hoặc từ chối) trong thời hạn phản hồi chuyển tuyến của loại cơ quan.",
    ),
    Indicator(
        "F02",
        "Số vụ việc cơ quan công an đã xử lý",
        _of_cases(Referral, "completed_at", agency__agency_type=AgencyType.POLICE, status=ReferralStatus.COMPLETED),
        count="case_id",
        dims=(Dim("outcome", "Theo kết quả (khởi tố, xử phạt hành chính, không xử lý...)", "outcome__label"),),
        case_path="case_id",
        at="cơ quan công an hoàn thành xử lý",
    ),
    Indicator(
        "F04",
        "Số vụ việc viện kiểm sát, tòa án đã xử lý",
        _of_cases(
            Referral,
            "completed_at",
            agency__agency_type__in=(AgencyType.PROCURACY, AgencyType.COURT),
            status=ReferralStatus.COMPLETED,
        ),
        count="case_id",
        dims=(
            AGENCY_TYPE,
            Dim("outcome", "Theo kết quả (truy tố, xét xử...)", "outcome__label"),
        ),
        case_path="case_id",
        at="viện kiểm sát, tòa án hoàn thành xử lý",
    ),
    Indicator(
        "K01",
        "Số hồ sơ vụ việc đã đóng trong kỳ",
        _closed,
        dims=(LEVEL, COMMUNE),
        unit_word="hồ sơ",
        at="đóng hồ sơ",
        annex="Hồ sơ đã đóng",
    ),
    Indicator(
        "K02",
        "Số hồ sơ vụ việc đang mở cuối kỳ",
        _open_at_end,
        dims=(COMMUNE,),
        unit_word="hồ sơ",
        at="cuối kỳ báo cáo",
        annex="Hồ sơ đang mở cuối kỳ",
    ),
    _timed_indicator(
        "T01",
        "Số bước có thời hạn luật định đã thực hiện",
        statutory=True,
        note="Thời hạn luật định (NĐ 56/2017): quyết định bảo vệ khẩn cấp trong 12 giờ kể từ khi tiếp nhận; kế hoạch "
        "hỗ trợ, can thiệp trong 5 ngày làm việc; phê duyệt kế hoạch trong 2 ngày làm việc; cách ly tạm thời không quá "
        "15 ngày.",
    ),
    _timed_indicator(
        "T02",
        "Số bước có thời hạn theo cấu hình của hệ thống đã thực hiện",
        statutory=False,
        note="Thời hạn do đơn vị cấu hình, không phải thời hạn luật định: rà soát định kỳ.",
    ),
)

BY_CODE = {i.code: i for i in INDICATORS}


def _step_labels(keys: list[Any]) -> dict[Any, str]:
    from cases.workflow import BY_ACTION

    return {k: BY_ACTION[k].label if k in BY_ACTION else str(k) for k in keys}


def compute_all(units: list[int], period: Period) -> dict[str, Any]:
    """Every indicator for the communes `units` over `period` (the moved cases looked up once for all)."""
    scope = scope_for(units, period)
    return {i.code: i.compute(units, period, scope) for i in INDICATORS}


def totals_all(units: list[int], period: Period) -> dict[str, int]:
    """Every indicator's total counted directly from the cases of `units` (one query each): beside a province's sum of
    the reports sent, so that what the communes not yet sent leave out shows."""
    scope = scope_for(units, period)
    return {i.code: i.total(scope) for i in INDICATORS}


def referral_answers(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The referral answers by agency type (F03): answered, on time, the share on time, and the target a plan sets
    for that type (CHILDPROTECT_REFERRAL_ON_TIME_TARGETS, percent; None when none is set)."""
    rows = (figures.get("F03") or {}).get("by", {}).get("agency_answer", [])
    by_type: dict[str, dict[str, int]] = {}
    for key, _label, n in rows:
        agency, _sep, answer = str(key).partition(":")
        slot = by_type.setdefault(agency, {"met": 0, "total": 0})
        slot["total"] += n
        if answer == DeadlineStatus.MET:
            slot["met"] += n
    targets = settings.CHILDPROTECT_REFERRAL_ON_TIME_TARGETS
    labels = _choices(AgencyType.choices)(list(by_type))
    result = [
        {
            "agency_type": agency,
            "label": labels[agency],
            "met": slot["met"],
            "total": slot["total"],
            "share": slot["met"] / slot["total"] if slot["total"] else None,
            "target": targets.get(agency),
        }
        for agency, slot in by_type.items()
    ]
    return sorted(result, key=lambda r: r["label"])


def on_time_share(figures: dict[str, Any], code: str = "T01") -> float | None:
    """The share of steps with a legal time limit done in time (T01; T02: the settings' limits), or None when there
    were none."""
    t01 = figures.get(code) or {}
    total = t01.get("total") or 0
    met = sum(n for key, _, n in t01.get("by", {}).get("on_time", []) if key is True)
    return met / total if total else None


def aggregate(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The sum of several reports' figures (a province from its communes): totals and breakdown rows by key.

    Distinct counts add up across communes: a child counted in two communes' reports is counted twice, as on paper.
    """
    result: dict[str, Any] = {}
    for code in BY_CODE:
        total = 0
        rows: dict[str, dict[str, list[Any]]] = {}
        for figures in parts:
            part = figures.get(code)
            if not part:
                continue
            total += part["total"]
            for dim, dim_rows in part["by"].items():
                merged = rows.setdefault(dim, {})
                for key, label, n in dim_rows:
                    slot = merged.setdefault(repr(key), [key, label, 0])
                    slot[2] += n
        result[code] = {
            "total": total,
            "by": {d: sorted(r.values(), key=lambda x: (-x[2], x[1])) for d, r in rows.items()},
        }
    return result


def sections(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures as the page, the PDF and the spreadsheet show them: each indicator in order, its total, and its
    non-empty breakdowns (each row with its key as JSON, for the link to the cases behind it)."""
    result = []
    for indicator in INDICATORS:
        data = figures.get(indicator.code, {"total": 0, "by": {}})
        dims = []
        for dim in indicator.dims:
            rows = data["by"].get(dim.name, [])
            if dim.name == AGE.name:  # the groups in their order, the unknown age last
                order = [key for key, _label in AGE_GROUPS]
                rows = sorted(rows, key=lambda row: order.index(row[0]) if row[0] in order else len(order))
            if rows:
                dims.append(
                    {
                        "name": dim.name,
                        "label": dim.label,
                        "rows": [{"key": json.dumps(key), "label": label, "n": n} for key, label, n in rows],
                    }
                )
        result.append(
            {
                "code": indicator.code,
                "tt13": indicator.tt13,
                "label": indicator.label,
                "note": indicator.note,
                "unit_word": indicator.unit_word,
                "total": data["total"],
                "dims": dims,
            }
        )
    return result
