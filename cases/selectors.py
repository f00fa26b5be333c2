"""Every read of children and reports that reaches a user. Out of reach and missing are the same: 404."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, overload

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone

from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import acts_for_agency, can_see_reporters
from childprotect.accounts.selectors import jurisdiction_unit_ids
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_reach
from childprotect.text import fold

from .models import (
    OPEN_STATUSES,
    AbuseForm,
    Carer,
    Case,
    CaseFlag,
    CaseLink,
    CaseState,
    CaseStep,
    CaseTransfer,
    Child,
    ChildCircumstance,
    Deadline,
    DeadlineStatus,
    LinkKind,
    Report,
    ReportAbuse,
    ReportChild,
    ReportStep,
    TransferStatus,
    phone_digits,
)
from .responsible import officer_departed, receiver_departed

NOTHING = Q(pk__in=[])


def _unit_ids(user: User) -> list[int] | None:
    """The ids of the units in the user's jurisdiction (None: all of them), as a literal list.

    A list (a commune and the old communes it took over whole, ~170 for a province and as many old ones) lets
    PostgreSQL read the unit indexes ("unit = ANY(...)"); a join on the unit path made it scan a million children.
    One query per request, kept on the user (accounts.selectors.jurisdiction_unit_ids).
    """
    if not user.is_authenticated or not user.is_active:
        return []
    return jurisdiction_unit_ids(user)


def _unit_filter(unit: AdminUnit) -> list[int]:
    """A list's filter by commune or area: the unit's subtree and the old units it took over (their records are
    listed under it, docs/law.md#the-2025-reform), as a literal list like the reach (one query)."""
    return list(unit_reach(unit).values_list("pk", flat=True))


def case_reach_key(user: User) -> str:
    """A name for the units whose cases `user` reaches (`_unit_ids`), the same for all the users who reach the same
    ones and only for them, without a query: a key for figures cached per reach (home/dashboard.py)."""
    if not user.is_authenticated or not user.is_active:
        return "none"
    if user.is_administrator:
        return "all"
    if acts_for_agency(user) or user.unit_id is None:
        return "none"
    return f"unit-{user.unit_id}"  # the unit's subtree (a commune: the unit itself)


def reports_visible_to(user: User) -> QuerySet[Report]:
    """Reports of communes in the user's jurisdiction; partners (no reach by place) see the ones they logged.

    Only partners: commune staff and supervisors log reports in their own area, so a report they logged and then
    forwarded elsewhere (cases/intake_workflow.py) leaves their reach; `reports_forwarded_from` is their trace.
    """
    return _reports_in(user, _unit_ids(user))


def _reports_in(user: User, units: list[int] | None) -> QuerySet[Report]:
    """`reports_visible_to`, given the user's units (`_unit_ids`)."""
    if units is None:
        return Report.objects.all()
    if not user.is_authenticated:
        return Report.objects.none()
    if acts_for_agency(user):
        return Report.objects.filter(received_by_id=user.pk)
    return Report.objects.filter(incident_unit_id__in=units)


def reports_forwarded_from(user: User) -> QuerySet[ReportStep]:
    """The forwards that left a commune in the user's reach, newest first: the trace the sending commune keeps of
    reports no longer its own (reference, when, to which commune, by whom, why). The report itself is not read (its
    reference is annotated): no child, no account of the facts, no reporter."""
    units = _unit_ids(user)
    steps = ReportStep.objects.filter(action="forward", from_unit__isnull=False)
    if units is not None:
        steps = steps.filter(from_unit_id__in=units) if units else steps.none()
    return (
        steps.select_related("from_unit", "to_unit", "actor")
        .annotate(reference=F("report__reference"))
        .order_by("-at", "-id")
    )


def report_history(report: Report) -> QuerySet[ReportStep]:
    """The steps of the intake workflow taken on a report (its forwards), oldest first: the report page's history."""
    return report.steps.select_related("from_unit", "to_unit", "actor")


def _reported_in(units: list[int]) -> Exists:
    """The outer query's child has a case held by one of these units (an index probe per child): every child of a
    report has its case there, and a case transferred to another commune takes the child out of the old commune's
    reach (docs/architecture.md#moves)."""
    return Exists(Case.objects.filter(child=OuterRef("pk"), unit_id__in=units))


def _children_q(user: User) -> Q | None:
    units = _unit_ids(user)
    if units is None:
        return None
    if not units:
        return NOTHING
    return Q(residence_unit_id__in=units) | Q(_reported_in(units))


def children_visible_to(user: User) -> QuerySet[Child]:
    """Children living in the user's jurisdiction, or with a case a commune in it holds (each child of a report has
    its case there; a transferred case takes its child along: docs/architecture.md#moves).

    Partners see no child by place; referrals grant them the children they must act for (referrals issue).
    """
    place = _children_q(user)
    return Child.objects.all() if place is None else Child.objects.filter(place)


def _reports_with_held_cases(user: User, units: list[int] | None) -> QuerySet[Report]:
    """The reports in reach (`units`: the user's, from `_unit_ids`), and those of the cases the user's communes hold
    now (moved in from elsewhere)."""
    if not units:
        return _reports_in(user, units)
    held = Exists(Case.objects.filter(report=OuterRef("pk"), unit_id__in=units))
    return _reports_in(user, units) | Report.objects.filter(held)


def report_get_for(user: User, pk: int) -> Report:
    """A report in reach, or the report of a case the user's communes hold now (moved in from another commune:
    docs/architecture.md#moves). Commune and province staff see among its children those they reach: a child whose
    case moved away is left out (`report_transfers_out` says where it went, without the child)."""
    units = _unit_ids(user)
    reports = _reports_with_held_cases(user, units)
    # Partners (who see no child of a report) and administrators: every child, as before any move.
    children = Child.objects.filter(Q(residence_unit_id__in=units) | Q(_reported_in(units))) if units else Child.objects
    report = (
        reports.select_related("channel", "received_by", "incident_unit__parent")
        .prefetch_related(
            "abuse_forms",
            Prefetch("perpetrators__relation"),
            Prefetch("children", queryset=children.order_by("name_folded")),
        )
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def report_transfers_out(user: User, report: Report) -> QuerySet[CaseTransfer]:
    """The trace the sending commune keeps on a report whose case moved away: where to and when, not the child."""
    units = _unit_ids(user)
    if not units:
        return CaseTransfer.objects.none()
    return (
        CaseTransfer.objects.filter(case__report=report, status=TransferStatus.ACCEPTED, from_unit_id__in=units)
        .exclude(case__unit_id__in=units)
        .select_related("to_unit")
        .order_by("decided_at", "id")
    )


def child_get_for(user: User, pk: int) -> Child:
    child = (
        children_visible_to(user)
        .select_related("ethnicity", "residence_unit__parent", "created_by")
        .prefetch_related("carers", "circumstances")
        .filter(pk=pk)
        .first()
    )
    if child is None:
        raise Http404
    return child


def child_reports_for(user: User, child: Child) -> QuerySet[Report]:
    return (
        _reports_with_held_cases(user, _unit_ids(user))
        .filter(report_children__child=child)
        .select_related("incident_unit")
        .prefetch_related("abuse_forms")
    )


@dataclass(frozen=True)
class ChildFilters:
    q: str = ""
    unit: AdminUnit | None = None
    circumstance: str = ""
    sex: str = ""
    shared_id: bool = False  # only children whose ID number another child the user sees also has
    order: str = "name"


CHILD_ORDERS = {"name": ("name_folded", "id"), "-created": ("-created_at", "-id"), "birth": ("-birth_year", "id")}


PHONE_SEPARATORS = str.maketrans("", "", " .-()\u00a0")


def phone_query(query: str) -> str:
    """What is typed into a search box read as a phone number, in the national form stored beside every phone
    (`phone_digits`: 0912 345 678, 0912.345.678, (091) 234-5678, +84 912 345 678 and 84912345678 are all 0912345678);
    "" when it is not one (letters, or not 9 to 11 digits once +84 is read as 0)."""
    raw = query.strip().translate(PHONE_SEPARATORS).removeprefix("+")
    if not raw.isdigit():
        return ""
    digits = phone_digits(raw)
    return digits if digits.startswith("0") and 10 <= len(digits) <= 11 else ""


def name_matches(qs: QuerySet[Child], query: str) -> QuerySet[Child]:
    """The query, accents, case and spacing ignored, inside the name or the other names; 12 digits find the ID; a
    phone number (`phone_query`) finds the children with a carer at that number.

    The words must come in their order ("nguyen van an", "van an", "an"): a phrase is selective for the trigram index,
    where single common words ("nguyen", "van") each match a third of the country.
    """
    folded = fold(query)
    if folded.isdigit() and len(folded) == 12:
        return qs.filter(national_id=folded)
    phone = phone_query(query)
    if phone:
        return qs.filter(pk__in=carer_phone_children([phone]).values("child_id"))  # the carers' phone index
    if not folded:
        return qs
    return qs.filter(Q(name_folded__contains=folded) | Q(other_names_folded__contains=folded))


def _child_filters_applied(user: User, qs: QuerySet[Child], filters: ChildFilters) -> QuerySet[Child]:
    if filters.q:
        qs = name_matches(qs, filters.q)
    if filters.unit is not None:
        qs = qs.filter(residence_unit_id__in=_unit_filter(filters.unit))
    if filters.circumstance:
        qs = qs.filter(Exists(ChildCircumstance.objects.filter(child=OuterRef("pk"), group=filters.circumstance)))
    if filters.sex:
        qs = qs.filter(sex=filters.sex)
    if filters.shared_id:
        shared = (
            children_visible_to(user)
            .exclude(national_id="")
            .values("national_id")
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .values("national_id")
        )
        qs = qs.filter(national_id__in=shared)
    return qs


def children_list(user: User, filters: ChildFilters) -> QuerySet[Child]:
    """The children the user sees, filtered and ordered (the export; the list page reads them through ChildListing)."""
    qs = _child_filters_applied(user, children_visible_to(user).select_related("residence_unit"), filters)
    return qs.order_by(*CHILD_ORDERS.get(filters.order, CHILD_ORDERS["name"]))


# How each order of the list sorts, in SQL and when two parts of the list are merged in Python.
_SORT_KEYS: dict[str, tuple[tuple[str, ...], Callable[[tuple[Any, ...]], Any], bool]] = {
    "name": (("name_folded", "id"), lambda r: r, False),
    "-created": (("created_at", "id"), lambda r: r, True),
    "birth": (("birth_year", "id"), lambda r: (-r[0], r[1]), False),
}
NATIONAL_COUNT_CAP = 1000


def _unindexed(field: str) -> Concat:
    """The text column as an expression, sorting exactly as the column does, that no index provides in order."""
    return Concat(F(field), Value(""), output_field=CharField())


class ChildListing:
    """The children list for Django's Paginator: count() and one page, both read from the indexes of the user's reach.

    The children a commune or province user sees are two disjoint parts: those living in the jurisdiction (the unit
    index, read without touching the table) and those living elsewhere but with a case it holds (reached from the
    jurisdiction's cases). One query per part gives its first rows in the list's order with the part's
    size (a window over a name search's few rows, a COUNT subquery over a whole jurisdiction); the parts are merged
    here and only the page's rows are read in full. Neither query depends on the size of the country, and nothing
    grows as a literal list.

    Nationally (administrators) the count stops at NATIONAL_COUNT_CAP + 1 (`capped`: the page says "more than
    1,000"), since an exact count of a common word ("nguyen": a third of the country) would read a third of the
    table. Past the cap a page walks the name index (matches are dense) and stops at the page; under it, the few
    matches are found by the trigram index and sorted.
    See docs/query-plans.md#children-list-and-search.
    """

    ordered = True  # for the Paginator: the list has a fixed order

    def __init__(self, user: User, filters: ChildFilters, *, upto: int = 25) -> None:
        self.user, self.filters = user, filters
        self.fields, self.key, self.reverse = _SORT_KEYS.get(filters.order, _SORT_KEYS["name"])
        self.order = CHILD_ORDERS.get(filters.order, CHILD_ORDERS["name"])
        self.capped = False
        self._upto = upto  # rows from the top the page will need (page number × page size)
        self._rows: list[tuple[Any, ...]] | None = None
        self._total: int | None = None
        units = _unit_ids(user)
        self.national = units is None
        base = Child.objects.all()
        self.visible = base if units is None else base.filter(Q(residence_unit_id__in=units) | Q(_reported_in(units)))
        if units is None:
            self.parts = [_child_filters_applied(user, base, filters)]
        elif not units:
            self.parts = []
        else:
            living = base.filter(residence_unit_id__in=units)
            reported = base.exclude(residence_unit_id__in=units).filter(_reported_in(units))
            self.parts = [_child_filters_applied(user, qs, filters) for qs in (living, reported)]

    def _read(self, upto: int) -> int:
        """The first `upto` rows of every part, merged in the list's order; returns the parts' total (jurisdiction)."""
        rows: list[list[tuple[Any, ...]]] = []
        total = 0
        # Walking the name index in order and filtering, PostgreSQL passes a third of the country before the first
        # "nguyen" of a province, or before the first "nguyen van an" at all (their names sort there). Sorting on an
        # expression (the same order) leaves it the unit index or the trigram index: in a jurisdiction, where every
        # row is read anyway for the part's size, and nationally when the count found at most the cap.
        first, *rest = self.order
        unindexed = [_unindexed(first), *rest] if first == "name_folded" else self.order
        for part in self.parts:
            if self.national:
                order = self.order if self.count() and self.capped else unindexed
                rows.append(list(part.order_by(*order).values_list(*self.fields)[:upto]))
                continue
            # The part's size. A name search finds its rows through the trigram index, and the few it finds are
            # counted as they are sorted (a window); counting them in a subquery would search the index twice. A whole
            # jurisdiction is counted in an uncorrelated subquery from the unit index: a window over a province's
            # 53,000 children would sort them all with their count and spill to disk past work_mem.
            if self.filters.q:
                qs = part.annotate(size=Window(Count("pk"))).order_by(*unindexed)
            else:
                size = part.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")[:1]
                qs = part.annotate(size=Subquery(size, output_field=IntegerField())).order_by(*unindexed)
            found = list(qs.values_list(*self.fields, "size")[:upto])
            total += found[0][-1] if found else 0
            rows.append([r[:-1] for r in found])
        self._rows = list(heapq.merge(*rows, key=self.key, reverse=self.reverse))[:upto]
        self._upto = upto
        return total

    def count(self) -> int:
        if self._total is None:
            if self.national:
                found = self.parts[0].order_by()[: NATIONAL_COUNT_CAP + 1].count()  # any 1,001: no order
                self.capped = found > NATIONAL_COUNT_CAP
                self._total = min(found, NATIONAL_COUNT_CAP)
            else:
                self._total = self._read(self._upto)
        return self._total

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Child]:
        return iter(self[: self.count()])

    @overload
    def __getitem__(self, page: int) -> Child: ...
    @overload
    def __getitem__(self, page: slice) -> list[Child]: ...
    def __getitem__(self, page: int | slice) -> Child | list[Child]:
        if isinstance(page, int):
            return self[page : page + 1][0]
        stop = page.stop if page.stop is not None else self.count()
        if self._rows is None or stop > self._upto:
            self._read(max(stop, self._upto))
        ids = [r[-1] for r in (self._rows or [])[page]]
        found = self.visible.select_related("residence_unit").in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


def children_sharing_national_id(user: User, child: Child) -> QuerySet[Child]:
    """The other children with `child`'s ID number, among those `user` sees: the flag of a number registered twice.

    Registration never tells an officer that a number exists outside her reach (services.intake); whoever sees both
    records (a supervisor over both communes, an administrator) is shown the pair, to merge or correct them.
    """
    if not child.national_id:
        return Child.objects.none()
    return (
        children_visible_to(user)
        .filter(national_id=child.national_id)
        .exclude(pk=child.pk)
        .select_related("residence_unit")
    )


@dataclass(frozen=True)
class ReportFilters:
    q: str = ""  # a reference, or the reporter's phone (only for those who may see reporters)
    unit: AdminUnit | None = None
    form: str = ""
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    order: str = "-received"


REPORT_ORDERS = {"-received": ("-received_at", "-id"), "received": ("received_at", "id")}


def report_search(user: User, query: str) -> Q:
    """The reports list's search: a reference ("2026-12345-000042", or its end), or the reporter's phone
    (`phone_query`, the indexed `reporter_phone_digits`) for those who may see reporters (cases.policy
    `can_see_reporter`: every report they see is in their reach or theirs). For anyone else a phone finds no report by
    its reporter: the search never tells who reported."""
    text = query.strip()
    found = Q(reference__iendswith=text) if len(text) >= 4 else Q(reference__iexact=text)
    phone = phone_query(text)
    if phone and can_see_reporters(user):
        found |= Q(reporter_phone_digits=phone, reporter_anonymous=False)
    return found


def reports_list(user: User, filters: ReportFilters) -> QuerySet[Report]:
    qs = reports_visible_to(user).select_related("incident_unit", "channel").prefetch_related("abuse_forms")
    if filters.q.strip():
        qs = qs.filter(report_search(user, filters.q))
    if filters.unit is not None:
        qs = qs.filter(incident_unit_id__in=_unit_filter(filters.unit))
    if filters.form:
        qs = qs.filter(Exists(ReportAbuse.objects.filter(report=OuterRef("pk"), form=filters.form)))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.date_from:
        qs = qs.filter(received_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(received_at__date__lte=filters.date_to)
    return qs.order_by(*REPORT_ORDERS.get(filters.order, REPORT_ORDERS["-received"]))


def inbox_for(user: User) -> QuerySet[Report]:
    """New reports of the communes in the user's jurisdiction (not the ones they logged elsewhere)."""
    units = _unit_ids(user)
    qs = Report.objects.filter(status="received").select_related("incident_unit", "channel")
    return (qs if units is None else qs.filter(incident_unit_id__in=units)).order_by("-received_at", "-id")


def reports_to_take_over(user: User) -> QuerySet[Report]:
    """Reports of the communes in reach still waiting at intake (no case opened) whose receiver has left
    (cases/responsible.py `receiver_departed`). Opening a case from one hands it to an active officer of its
    commune (services `case_open`)."""
    at_intake = ~Exists(Case.all_objects.filter(report=OuterRef("pk")))
    return inbox_for(user).filter(at_intake).filter(receiver_departed()).select_related("received_by")


@dataclass(frozen=True)
class Candidate:
    child: Child
    reasons: list[str]


def child_duplicate_candidates(
    user: User,
    *,
    full_name: str,
    date_of_birth: dt.date | None = None,
    birth_year: int | None = None,
    residence_unit: AdminUnit | None = None,
    carer_phones: list[str] | None = None,
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[Candidate]:
    """Children already in the registry, among those the user may see, who are likely the same child.

    A candidate has the same or a similar name (accents, case and spacing ignored; all the words of the shorter name
    in the longer one, or the same family and given name), and at least one more sign: the same birth date or year,
    the same commune, or a carer's phone.
    """
    folded = fold(full_name)
    words = folded.split()
    if not words:
        return []
    year = date_of_birth.year if date_of_birth else birth_year
    phones = {phone_digits(p) for p in (carer_phones or []) if phone_digits(p)}
    # Each branch is an index lookup: the exact folded name; the same family and given name (the middle name is often
    # left out or written differently) in the same commune or born the same year; a carer's phone. The signs are
    # weighed below.
    near = Q(name_folded=folded)
    if len(words) > 1:
        same_ends = Q(name_folded__startswith=words[0] + " ", name_folded__endswith=" " + words[-1])
        if residence_unit is not None:
            near |= Q(residence_unit=residence_unit) & same_ends
        if year:
            near |= Q(birth_year=year) & same_ends  # index child_year_name_idx
    if phones:
        near |= Q(pk__in=list(carer_phone_children(list(phones)).values_list("child_id", flat=True)[:200]))
    qs = children_visible_to(user).filter(near).select_related("residence_unit").prefetch_related("carers")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    results: list[Candidate] = []
    for child in qs[:200]:
        theirs = child.name_folded.split()
        shorter, longer = sorted([words, theirs], key=len)
        if not set(shorter) <= set(longer) and not (theirs[0] == words[0] and theirs[-1] == words[-1]):
            continue  # found by a carer's phone alone: a brother or sister, not the same child
        reasons = ["cùng họ tên" if theirs == words else "họ tên gần giống"]
        if date_of_birth and child.date_of_birth == date_of_birth:
            reasons.append("cùng ngày sinh")
        elif year and child.birth_year == year:
            reasons.append("cùng năm sinh")
        if residence_unit is not None and child.residence_unit_id == residence_unit.pk:
            reasons.append("cùng xã, phường")
        if phones and phones & {c.phone_digits for c in child.carers.all()}:
            reasons.append("trùng số điện thoại người chăm sóc")
        if len(reasons) > 1:
            results.append(Candidate(child, reasons))
    results.sort(key=lambda c: -len(c.reasons))
    return results[:limit]


def open_reports_for_children(user: User, report: Report) -> QuerySet[Report]:
    """Other open reports, visible to the user, about a child of this one: this report may repeat one of them."""
    children = ReportChild.objects.filter(report=report).values("child")
    return (
        reports_visible_to(user)
        .filter(status__in=OPEN_STATUSES, report_children__child__in=children)
        .exclude(pk=report.pk)
        .distinct()
        .select_related("incident_unit")
    )


# --- Cases ---------------------------------------------------------------------------------------------------------


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Cases of the communes in the user's jurisdiction. Partners will reach cases by referral grants (referrals)."""
    units = _unit_ids(user)
    if units is None:
        return Case.objects.all()
    return Case.objects.filter(unit_id__in=units) if units else Case.objects.none()


def case_get_for(user: User, pk: int) -> Case:
    case = (
        cases_visible_to(user)
        .select_related("child", "report__channel", "unit__parent", "officer")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""
    overdue: bool = False
    unit: AdminUnit | None = None
    form: str = ""  # a form of abuse named in the case's report
    # The caseload figures' drill-down (home/caseload.py): the officer in charge (a User id), open cases only,
    # received in [received_from, received_to] (local days), closed at least once, reopened at least once.
    officer: int | None = None
    open: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    closed: bool = False
    reopened: bool = False
    flag: str = ""  # a kind of flag the case carries, not cleared (FlagKind)
    ids: tuple[int, ...] = ()  # only these cases (a selection exported from the list)
    departed: bool = False  # open cases whose officer left (as on the bulk reassignment page)


def case_overdue(now: dt.datetime) -> Q:
    """The case has an open deadline already due (the cases list's `overdue=1`): its earliest one is."""
    return Q(next_due_at__lte=now)


def case_open() -> Q:
    """The case is not closed (the cases list's `open=1`)."""
    return ~Q(state=CaseState.CLOSED)


def case_closed_once() -> Exists:
    """The chair approved the case's closure at least once (the cases list's `closed=1`; reopened since or not)."""
    return Exists(CaseStep.objects.filter(case=OuterRef("pk"), action="approve_closure"))


def case_reopened_once() -> Exists:
    """The case was reopened at least once after its closure (the cases list's `reopened=1`)."""
    return Exists(CaseStep.objects.filter(case=OuterRef("pk"), action="reopen"))


def case_received_between(start: dt.date | None, end: dt.date | None) -> Q:
    """The case's report was received from the local day `start` to the local day `end`, both included."""
    tz = timezone.get_default_timezone()
    q = Q()
    if start is not None:
        q &= Q(report__received_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz))
    if end is not None:
        stop = end + dt.timedelta(days=1)
        q &= Q(report__received_at__lt=timezone.make_aware(dt.datetime.combine(stop, dt.time.min), tz))
    return q


CASE_ORDER = (F("next_due_at").asc(nulls_last=True), "-id")  # the next deadline first; none open: last (index)


def cases_list(user: User, filters: CaseFilters) -> QuerySet[Case]:
    """The cases the user reaches, the next deadline to fall due first (Case.next_due_at: no deadline is read).

    A page is chosen from the cases table alone (its order and count from its indexes), then the children and
    communes of its rows are read by id (prefetched): a join would read the child of every case in the reach before
    the sort, as deep pages do. The export adds its own columns' joins (cases/resources.py).
    """
    qs = cases_visible_to(user).prefetch_related("child", "unit")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unit is not None:
        qs = qs.filter(unit_id__in=_unit_filter(filters.unit))
    if filters.form:
        qs = qs.filter(Exists(ReportAbuse.objects.filter(report=OuterRef("report"), form=filters.form)))
    if filters.overdue:
        qs = qs.filter(case_overdue(timezone.now()))
    if filters.officer is not None:
        qs = qs.filter(officer_id=filters.officer)
    if filters.open:
        qs = qs.filter(case_open())
    if filters.received_from is not None or filters.received_to is not None:
        qs = qs.filter(case_received_between(filters.received_from, filters.received_to))
    if filters.closed:
        qs = qs.filter(case_closed_once())
    if filters.reopened:
        qs = qs.filter(case_reopened_once())
    if filters.flag:
        qs = qs.filter(Exists(CaseFlag.objects.filter(case=OuterRef("pk"), kind=filters.flag, cleared_at__isnull=True)))
    if filters.ids:
        qs = qs.filter(pk__in=filters.ids)
    if filters.departed:
        qs = qs.exclude(state=CaseState.CLOSED).filter(case_officer_departed())
    return qs.order_by(*CASE_ORDER)


# --- Linked cases (cases/models/links.py) -------------------------------------------------------------------------


@dataclass
class LinkedCase:
    """A live link of a case as its page shows it: the other case (in the viewer's reach) and the link."""

    link: CaseLink
    other: Case
    name_shown: bool = False  # the other child's name may be shown (cases.policy, decided by the view)


def case_links_for(user: User, case: Case) -> list[LinkedCase]:
    """The live links of `case` whose other case is in the user's reach, oldest first, in one query. A link to a case
    out of reach is left out altogether (not counted either): it would tell that such a case exists."""
    visible = cases_visible_to(user).values("pk")
    links = (
        CaseLink.objects.filter(ended_at__isnull=True)
        .filter(Q(low=case, high__in=visible) | Q(high=case, low__in=visible))
        .select_related("low__child", "high__child", "low__unit", "high__unit", "by")
        .order_by("at", "id")
    )
    return [LinkedCase(link, link.high if link.low_id == case.pk else link.low) for link in links]


def _linked_to(case: Case) -> Q:
    """The cases already linked (live) to `case`: left out of the suggestions."""
    live = CaseLink.objects.filter(ended_at__isnull=True)
    return Q(pk__in=live.filter(low=case).values("high")) | Q(pk__in=live.filter(high=case).values("low"))


def carer_phone_children(phones: Any) -> QuerySet[Carer]:
    """The children with a carer at one of these phones (national form, `phone_digits`; a list or a subquery): the
    brothers and sisters the duplicate finder sets aside (`child_duplicate_candidates`) and the link suggestions
    offer (`case_link_suggestions`)."""
    return Carer.objects.filter(phone_digits__in=phones).exclude(phone_digits="")


@dataclass(frozen=True)
class LinkSuggestion:
    case: Case
    kind: str

    @property
    def label(self) -> str:
        return str(LinkKind(self.kind).label)


SUGGESTION_LIMIT = 10


def case_link_suggestions(user: User, case: Case) -> list[LinkSuggestion]:
    """Cases in the user's reach the case may be linked to, not linked yet, in two queries: brothers and sisters (the
    other children of a carer's phone: `carer_phone_children`) and the same child's earlier closed cases (a child
    harmed again)."""
    visible = cases_visible_to(user).exclude(pk=case.pk).exclude(_linked_to(case)).select_related("child", "unit")
    phones = Carer.objects.filter(child_id=case.child_id).exclude(phone_digits="").values("phone_digits")
    siblings = (
        visible.exclude(child_id=case.child_id)
        .filter(child_id__in=carer_phone_children(phones).values("child_id"))
        .order_by("-opened_at", "-id")[:SUGGESTION_LIMIT]
    )
    before = Q(opened_at__lt=case.opened_at) | Q(opened_at=case.opened_at, pk__lt=case.pk)
    earlier = visible.filter(before, child_id=case.child_id, state=CaseState.CLOSED).order_by("-opened_at", "-id")[
        :SUGGESTION_LIMIT
    ]
    return [LinkSuggestion(c, LinkKind.SIBLINGS) for c in siblings] + [
        LinkSuggestion(c, LinkKind.REPEAT) for c in earlier
    ]


def case_number_pk(text: str) -> int | None:
    """A case's id from what is typed: "HS-000123", "hs 123", "123" (None: not a case number)."""
    raw = text.strip().upper().removeprefix("HS").strip(" -")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**63 else None


def case_officer_departed() -> Q:
    """The case's officer left (cases/responsible.py `officer_departed`), in a commune of the current list: the bulk
    reassignment page's `departed=1` and the cases list's. A case of an old-list commune is not an officer's
    departure: it waits to be re-homed (cases_to_rehome)."""
    return officer_departed() & Q(unit__list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST)


def cases_to_reassign(user: User, *, officer: int | None = None, departed: bool = False) -> QuerySet[Case]:
    """The open cases in reach a chair or supervisor may hand to another officer (the bulk page), oldest first."""
    qs = cases_visible_to(user).exclude(state=CaseState.CLOSED)
    if officer is not None:
        qs = qs.filter(officer_id=officer)
    if departed:
        qs = qs.filter(case_officer_departed())
    return qs.select_related("child", "unit", "officer").order_by("opened_at", "id")


def cases_to_rehome(user: User) -> QuerySet[Case]:
    """The open cases in reach filed under a unit of an older list than the current one (the re-homing page), oldest
    first: a supervisor moves them to the successor commune (docs/architecture.md#moves)."""
    return (
        cases_visible_to(user)
        .exclude(state=CaseState.CLOSED)
        .exclude(unit__list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST)
        .select_related("child", "unit__parent", "officer")
        .order_by("opened_at", "id")
    )


def officers_in_reach(user: User) -> QuerySet[User]:
    """The active commune officers of the communes in the user's reach (the bulk page's choice of new officer)."""
    qs = User.objects.filter(role=Role.COMMUNE_OFFICER, is_active=True)
    units = _unit_ids(user)
    if units is not None:
        qs = qs.filter(unit_id__in=units)
    return qs.select_related("unit").order_by("unit__name", "full_name", "username")


def case_timeline(case: Case) -> QuerySet[CaseStep]:
    return case.steps.select_related("actor")


def case_open_deadlines(case: Case) -> QuerySet[Deadline]:
    return case.deadlines.filter(status=DeadlineStatus.OPEN).order_by("due_at")


def deadlines_due_for(user: User, until: dt.datetime) -> QuerySet[Deadline]:
    """Open deadlines of the cases the user reaches that fall due by `until` (overdue ones first).

    Only cases whose next deadline (Case.next_due_at, the earliest open one) falls due by `until` can have one: the
    cases are found by their unit and next_due_at (index case_unit_next_due_idx), not by reading every case in reach.
    The cases of the rows shown, with their children and communes, are read by id (one query) after the sort and
    limit: a join would read them for every deadline due in the area.
    """
    cases = cases_visible_to(user).filter(next_due_at__lte=until)
    return (
        Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lte=until, case__in=cases)
        .prefetch_related(Prefetch("case", queryset=Case.objects.select_related("child", "unit")))
        .order_by("due_at")
    )


def report_abuse_form_labels(report: Report) -> list[str]:
    """The forms of abuse recorded on a report, in words, in the law's order."""
    recorded = {a.form for a in report.abuse_forms.all()}
    return [str(label) for code, label in AbuseForm.choices if code in recorded]


# --- Transfers between communes (docs/architecture.md#moves) ---------------------------------------------------------


def open_transfer(case: Case) -> CaseTransfer | None:
    """The case's transfer request waiting for the receiving commune's answer (at most one: a database constraint).

    Read once per case object (the case page asks it for each transfer row); a step reads it on the freshly locked
    case, so never from an earlier read."""
    cached = case.__dict__.get("_open_transfer", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    found = (
        CaseTransfer.objects.filter(case_id=case.pk, status=TransferStatus.REQUESTED)
        .select_related("from_unit", "to_unit__parent", "requested_by")
        .first()
    )
    case.__dict__["_open_transfer"] = found
    return found


def forget_open_transfer(case: Case) -> None:
    case.__dict__.pop("_open_transfer", None)


def transfers_visible_to(user: User) -> QuerySet[CaseTransfer]:
    """The transfers in or out of the user's communes: the sending side keeps them as its trace, the receiving side
    decides on them. Partners have none."""
    return _transfers_of(_unit_ids(user))


def _transfers_of(units: list[int] | None) -> QuerySet[CaseTransfer]:
    if units is None:
        return CaseTransfer.objects.all()
    if not units:
        return CaseTransfer.objects.none()
    return CaseTransfer.objects.filter(Q(from_unit_id__in=units) | Q(to_unit_id__in=units))


def transfer_get_for(user: User, pk: int) -> CaseTransfer:
    transfer = (
        transfers_visible_to(user)
        .select_related("case__child", "from_unit", "to_unit__parent", "requested_by", "decided_by", "officer")
        .filter(pk=pk)
        .first()
    )
    if transfer is None:
        raise Http404
    return transfer


@dataclass(frozen=True)
class TransferLists:
    incoming: list[CaseTransfer]  # waiting for the user's communes to accept or decline (with the child)
    outgoing: list[CaseTransfer]  # asked by the user's communes, waiting for the other side (no child data)
    past: list[CaseTransfer]  # answered, cancelled or direct, the latest first (no child data)


PAST_TRANSFERS_SHOWN = 100


def transfers_page(user: User) -> TransferLists:
    """The transfers page: three lists in three queries, whatever their length."""
    units = _unit_ids(user)
    seen = _transfers_of(units).select_related("from_unit", "to_unit", "requested_by", "decided_by")
    waiting = seen.filter(status=TransferStatus.REQUESTED).order_by("requested_at", "id")
    to_us = Q() if units is None else Q(to_unit_id__in=units)
    return TransferLists(
        incoming=list(waiting.filter(to_us).select_related("case__child")),
        outgoing=list(waiting.exclude(to_us)) if units is not None else [],
        past=list(seen.exclude(status=TransferStatus.REQUESTED).order_by("-decided_at", "-id")[:PAST_TRANSFERS_SHOWN]),
    )


def transfers_incoming_count(user: User) -> int:
    """The requests waiting for an answer from the user's communes (the home page)."""
    if not user.is_active or acts_for_agency(user) or user.unit_id is None:
        return 0
    units = _unit_ids(user)
    waiting = CaseTransfer.objects.filter(status=TransferStatus.REQUESTED)
    return (waiting if units is None else waiting.filter(to_unit_id__in=units)).count()
