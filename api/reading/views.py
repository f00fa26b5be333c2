"""The reads of the product's own clients (docs/api.md#reading): thin views over the web's selectors and its need to
know (cases.policy). A person by session or by their own token; an API client's token is refused (403: these are a
person's work, and a client reaches no record by place). What is out of reach, or missing, is the same 404.

Each view validates its query parameters (a 400 naming the parameter), reads through one selector, decides what the
caller may see as the web page does, and renders a fixed shape (api/reading/serializers.py), a part the caller may
not see as null. The detail views record the view in the audit as the web pages do (cases.services `record_view`).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from cases import selectors, services
from cases.forms import case_filters
from cases.models import (
    AbuseForm,
    Case,
    CaseState,
    Child,
    DeadlineKind,
    Environment,
    LinkKind,
    ProtectionLevel,
    Report,
    ReportType,
    Sex,
)
from cases.policy import can_see_child_protected, can_see_report_family, can_see_reporter
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_use_registry
from home.selectors import my_work

from ..base import ApiView
from ..permissions import PersonOnly
from ..status import step_label
from . import serializers as s

TAG = "Đọc (ứng dụng của hệ thống)"
REFUSED = {401: s.Error, 403: s.Error, 429: s.Error}
# The `<id:pk>` of the route (childprotect/converters.py: 1 .. 2**63 - 1), shown as the integer it is.
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Mã số (id) của bản ghi.")


# --- shared parts --------------------------------------------------------------------------------------------------


def _person(request: Request) -> User:
    """The caller, a person (PersonOnly let no one else in)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated
    return user


def _query(serializer: type[s.PageQuery], request: Request) -> dict[str, Any]:
    """The query parameters, validated (a 400 naming each wrong one); unknown parameters are ignored, as on the web."""
    query = serializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _page(items: Any, query: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """One page of a list and its numbers; a page past the last is a 404 (the first page of an empty list is not)."""
    paginator = Paginator(items, query["page_size"])
    try:
        page = paginator.page(query["page"])
    except EmptyPage as exc:
        raise Http404 from exc
    numbers = {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "next": page.next_page_number() if page.has_next() else None,
        "previous": page.previous_page_number() if page.has_previous() else None,
    }
    return list(page.object_list), numbers


def _registry(user: User) -> None:
    """Partners have no registry (cases/views.py): a referral is their way to a case or a child (404, as on the web)."""
    if not can_use_registry(user):
        raise Http404


def _coded(value: str, choices: Any) -> dict[str, str] | None:
    """A code with its words (a code no longer in the choices: itself)."""
    if not value:
        return None
    return {"code": value, "label": str(choices(value).label) if value in choices.values else value}


def _unit(unit: Any) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


def _officer(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


def _next_due(case: Case) -> dict[str, Any] | None:
    if case.next_due_at is None:
        return None
    kind = case.next_due_kind
    label = str(DeadlineKind(kind).label) if kind in DeadlineKind.values else kind
    return {"kind": kind, "label": label, "at": case.next_due_at}


# --- the work queue ------------------------------------------------------------------------------------------------


class WorkView(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(
        tags=[TAG],
        operation_id="work",
        summary="Việc của tôi",
        description="Các hồ sơ, chuyển tuyến, báo cáo định kỳ đang chờ bước tiếp theo của người gọi (như trang chủ).",
        responses={200: s.Work, **REFUSED},
    )
    def get(self, request: Request) -> Response:
        user = _person(request)
        work = my_work(user)
        items = [
            {
                "kind": item.kind,
                "title": item.title,
                "subject": item.subject,
                "detail": item.detail,
                "url": item.url,
                "since": item.since,
                "due": item.due,
                "actions": [{"label": str(a.label), "url": a.url} for a in item.actions],
            }
            for item in work.items
        ]
        return Response(s.render(s.Work, {"count": work.total, "results": items}))


# --- cases ---------------------------------------------------------------------------------------------------------


class CaseListView(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(
        tags=[TAG],
        operation_id="cases_list",
        summary="Hồ sơ vụ việc",
        description="Các hồ sơ trong phạm vi của người gọi, hạn tiếp theo sớm nhất trước (như danh sách trên web).",
        parameters=[s.CaseQuery],
        responses={200: s.CasePage, 400: s.Error, 404: s.Error, **REFUSED},
    )
    def get(self, request: Request) -> Response:
        user = _person(request)
        _registry(user)
        query = _query(s.CaseQuery, request)
        # The web list's own reading of its filters, from the values checked here.
        filters = case_filters(
            {
                "state": query.get("state", ""),
                "overdue": "1" if query["overdue"] else "",
                "unit": str(query.get("unit", "")),
                "form": query.get("form", ""),
                "officer": str(query.get("officer", "")),
                "open": "1" if query["open"] else "",
                "received_from": query["received_from"].isoformat() if query.get("received_from") else "",
                "received_to": query["received_to"].isoformat() if query.get("received_to") else "",
                "closed": "1" if query["closed"] else "",
                "reopened": "1" if query["reopened"] else "",
                "flag": query.get("flag", ""),
            }
        )
        cases = selectors.cases_list(user, filters).prefetch_related(
            "officer", Prefetch("report", queryset=Report.objects.only("id", "reference"))
        )
        rows, numbers = _page(cases, query)
        results = [
            {
                "id": case.pk,
                "reference": case.report.reference,
                "commune": _unit(case.unit),
                "state": _coded(case.state, CaseState),
                "officer": _officer(case.officer),
                "next_due": _next_due(case),
                "version": case.version,
                # The web list shows the child's name to whoever reaches it; cases.policy has the last word.
                "child": (
                    {"id": case.child_id, "full_name": case.child.full_name}
                    if can_see_child_protected(user, case.child)
                    else None
                ),
            }
            for case in rows
        ]
        return Response(s.render(s.CasePage, {**numbers, "results": results}))


def _report_facts(user: User, report: Report) -> dict[str, Any]:
    """The report's account as its web page shows it; the reporter only to who may see reporters (cases.policy)."""
    recorded = {a.form for a in report.abuse_forms.all()}
    reporter = None
    if can_see_reporter(user, report):
        reporter = {
            "anonymous": report.reporter_anonymous,
            "name": "" if report.reporter_anonymous else report.reporter_name,
            "phone": "" if report.reporter_anonymous else report.reporter_phone,
            "address": "" if report.reporter_anonymous else report.reporter_address,
            "relation": "" if report.reporter_anonymous else report.reporter_relation,
        }
    return {
        "id": report.pk,
        "reference": report.reference,
        "report_type": _coded(report.report_type, ReportType),
        "received_at": report.received_at,
        "channel": str(report.channel),
        "forms": [{"code": code, "label": str(label)} for code, label in AbuseForm.choices if code in recorded],
        "environment": _coded(report.environment, Environment),
        "incident_date": report.incident_date,
        "incident_place": report.incident_place,
        "injury": report.injury,
        "ongoing_danger": report.ongoing_danger,
        "carer_is_perpetrator": report.carer_is_perpetrator,
        "description": report.description,
        "reporter": reporter,
        "situation": _situation(report) if can_see_report_family(user, report) else None,
    }


def _situation(report: Report) -> dict[str, Any]:
    def parent(who: str) -> dict[str, Any]:
        return {
            "name": getattr(report, f"{who}_name"),
            "age": getattr(report, f"{who}_age"),
            "occupation": getattr(report, f"{who}_occupation"),
        }

    return {
        "age_estimate": report.child_age_estimate,
        "condition": report.child_condition,
        "likely_consequences": report.likely_consequences,
        "father": parent("father"),
        "mother": parent("mother"),
        "family_situation": report.family_situation,
        "current_carer": report.current_carer,
        "prior_actions": report.prior_actions,
    }


class CaseDetailView(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(
        tags=[TAG],
        operation_id="case",
        summary="Một hồ sơ vụ việc",
        description=(
            "Hồ sơ như trang của nó trên web cho người gọi: diễn biến, các hạn, thông tin tiếp nhận; thông tin được "
            "bảo mật của trẻ em và người báo tin chỉ cho vai trò được xem. Mỗi lần xem được ghi nhật ký."
        ),
        parameters=[ID],
        responses={200: s.CaseDetail, 404: s.Error, **REFUSED},
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _person(request)
        _registry(user)
        case = selectors.case_get_for(user, pk)
        return Response(case_detail(user, case, record_view=True))


def case_detail(user: User, case: Case, *, record_view: bool) -> Any:
    """The case as `user` may see it (the GET's shape, also the field app's answers); `record_view`: the reading is
    recorded in the audit as the web page's."""
    protected = can_see_child_protected(user, case.child)
    if record_view:
        services.record_view(actor=user, obj=case, details={"protected_shown": protected})
    now = timezone.now()
    child = case.child
    data = {
        "id": case.pk,
        "commune": _unit(case.unit),
        "state": _coded(case.state, CaseState),
        "level": _coded(case.level, ProtectionLevel),
        "officer": _officer(case.officer),
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "next_due": _next_due(case),
        "version": case.version,
        "deadlines": [
            {
                "kind": d.kind,
                "label": str(DeadlineKind(d.kind).label),
                "due_at": d.due_at,
                "overdue": d.due_at <= now,
            }
            for d in selectors.case_open_deadlines(case)
        ],
        "steps": [
            {
                "action": step.action,
                "label": step_label(step.action),
                "from_state": step.from_state,
                "to_state": _coded(step.to_state, CaseState),
                "actor": str(step.actor),
                "at": step.at,
                "deadline_due": step.deadline_due,
                "on_time": step.on_time,
                "record": step.record if protected else None,
            }
            for step in selectors.case_timeline(case).order_by("at", "id")
        ],
        "report": _report_facts(user, case.report),
        "child": (
            {
                "id": child.pk,
                "full_name": child.full_name,
                "sex": _coded(child.sex, Sex),
                "date_of_birth": child.date_of_birth,
                "birth_year": child.birth_year,
            }
            if protected
            else None
        ),
        "links": [
            {
                "id": linked.link.pk,
                "kind": _coded(linked.link.kind, LinkKind),
                "reason": linked.link.reason if protected else None,  # the viewed case's protected data
                "at": linked.link.at,
                "case": {
                    "id": linked.other.pk,
                    "number": str(linked.other),
                    "commune": _unit(linked.other.unit),
                    "child_name": (
                        linked.other.child.full_name if can_see_child_protected(user, linked.other.child) else None
                    ),
                },
            }
            for linked in selectors.case_links_for(user, case)
        ],
    }
    return s.render(s.CaseDetail, data)


# --- children ------------------------------------------------------------------------------------------------------


class ChildListView(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(
        tags=[TAG],
        operation_id="children_list",
        summary="Trẻ em",
        description="Trẻ em trong phạm vi của người gọi, theo tên (như danh sách trên web, tìm không phân biệt dấu).",
        parameters=[s.ChildQuery],
        responses={200: s.ChildPage, 400: s.Error, 404: s.Error, **REFUSED},
    )
    def get(self, request: Request) -> Response:
        user = _person(request)
        _registry(user)
        query = _query(s.ChildQuery, request)
        filters = selectors.ChildFilters(q=query["q"], sex=query.get("sex", ""))
        listing = selectors.ChildListing(user, filters, upto=query["page"] * query["page_size"])
        rows, numbers = _page(listing, query)
        results = [
            {
                "id": child.pk,
                "full_name": child.full_name if shown else None,
                "birth_year": child.birth_year if shown else None,
                "sex": _coded(child.sex, Sex) if shown else None,
                "commune": _unit(child.residence_unit),
                "version": child.version,
            }
            for child, shown in ((c, can_see_child_protected(user, c)) for c in rows)
        ]
        return Response(s.render(s.ChildPage, {**numbers, "results": results}))


def _child_record(user: User, child: Child) -> dict[str, Any]:
    reports = selectors.child_reports_for(user, child).order_by("-received_at", "-id")
    return {
        "full_name": child.full_name,
        "other_names": child.other_names,
        "date_of_birth": child.date_of_birth,
        "birth_year": child.birth_year,
        "birth_year_estimated": child.birth_year_estimated,
        "sex": _coded(child.sex, Sex),
        "ethnicity": str(child.ethnicity) if child.ethnicity is not None else None,
        "national_id": child.national_id,
        "address": child.address,
        "school": child.school,
        "school_class": child.school_class,
        "circumstances": [{"code": c.group, "label": c.get_group_display()} for c in child.circumstances.all()],
        "carers": [{"full_name": c.full_name, "relation": c.relation, "phone": c.phone} for c in child.carers.all()],
        "notes": child.notes,
        "reports": [
            {"id": r.pk, "reference": r.reference, "received_at": r.received_at, "commune": _unit(r.incident_unit)}
            for r in reports
        ],
    }


class ChildDetailView(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(
        tags=[TAG],
        operation_id="child",
        summary="Một hồ sơ trẻ em",
        description=(
            "Hồ sơ trẻ em như trang của nó trên web: thông tin được bảo mật (NĐ 56 Đ33) chỉ cho vai trò được xem. "
            "Mỗi lần xem được ghi nhật ký."
        ),
        parameters=[ID],
        responses={200: s.ChildDetail, 404: s.Error, **REFUSED},
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _person(request)
        _registry(user)
        child = selectors.child_get_for(user, pk)
        return Response(child_detail(user, child, record_view=True))


def child_detail(user: User, child: Child, *, record_view: bool) -> Any:
    """The child as `user` may see them (the GET's shape, also the field app's answer); `record_view` as for cases."""
    protected = can_see_child_protected(user, child)
    if record_view:
        services.record_view(actor=user, obj=child, details={"protected_shown": protected})
    data = {
        "id": child.pk,
        "commune": _unit(child.residence_unit),
        "version": child.version,
        "record": _child_record(user, child) if protected else None,
    }
    return s.render(s.ChildDetail, data)
