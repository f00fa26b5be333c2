"""Thin views: check the role, bind the form, call one service, redirect. Reads come through cases.selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from childprotect.accounts.models import User
from childprotect.accounts.policy import (
    acts_for_agency,
    can_attach_files,
    can_comment,
    can_flag_cases,
    can_handle_cases,
    can_log_report,
    can_reassign_cases,
    can_register_child,
    can_see_reporters,
    can_use_registry,
    works_for_commune,
)
from childprotect.core.once import create_form, save_once
from childprotect.forms import apply_service_errors, step_form, take_step
from childprotect.http import AuthenticatedRequest
from childprotect.places.selectors import old_unit_ids, successors_of
from childprotect.signing.selectors import signed_current_map
from childprotect.text import nfc

from . import selectors, services
from .casework_forms import ActivityFormSet, BulkReassignForm, CaseLinkForm, CommentForm
from .documents import kinds_for_step
from .extensions import case_page_parts, partner_case_url
from .forms import (
    CarerFormSet,
    CaseFlagForm,
    ChildEditForm,
    ChildFilterForm,
    ChildForm,
    PerpetratorFormSet,
    ReportFilterForm,
    ReportForm,
    case_filter_problems,
    case_filters,
    child_filters,
    report_filters,
)
from .models import MAIN_FORMS, SEXUAL_SUBTYPES, Case, CaseFlag, CaseState, CaseStep, Child, FlagKind, LinkKind
from .policy import can_see_child_protected, can_see_report_family, can_see_reporter

PAGE_SIZE = 25
# The steps moving a case to another commune, offered apart from the procedure's next steps on the case page.
TRANSFER_FORMS = ("request_transfer", "cancel_transfer", "transfer")
# Service error keys that are not the form's field names.
FIELD_ALIASES = {"forms": "forms_main"}


def _apply_errors(form: Form, exc: ValidationError) -> None:
    apply_service_errors(form, exc, FIELD_ALIASES)


def _plain_text(value: str) -> str:
    return nfc(value) if value else ""


def _likely_duplicates(user: User, data: services.ChildData) -> list[selectors.Candidate]:
    """The registry's children who may be the one being registered (shown before anything is created)."""
    return selectors.child_duplicate_candidates(
        user,
        full_name=data.full_name,
        date_of_birth=data.date_of_birth,
        birth_year=data.birth_year,
        residence_unit=data.residence_unit,
        carer_phones=[c["phone"] for c in data.carers],
    )


def _require_registry_role(user: User) -> None:
    """Partners have no registry: referrals are their only way to a child or a case (any other page: 404)."""
    if not can_use_registry(user):
        raise Http404


# --- Reports -------------------------------------------------------------------------------------------------------


@login_required
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None, reporters=can_see_reporters(request.user))
    filters = report_filters(form)
    page = Paginator(selectors.reports_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/report_list.html",
        {"form": form, "page": page, "can_create": can_log_report(request.user)},
    )


@login_required
@create_form
def report_create(request: AuthenticatedRequest) -> HttpResponse:
    if not can_log_report(request.user):
        raise PermissionDenied(_("Vai trò của bạn không tiếp nhận thông tin, thông báo, tố giác."))
    initial: dict[str, Any] = {"received_at": timezone.localtime().strftime("%d/%m/%Y %H:%M")}
    if request.user.unit and works_for_commune(request.user):
        initial["incident_unit"] = request.user.unit.code
    form = ReportForm(request.POST or None, initial=initial)
    perpetrators = PerpetratorFormSet(request.POST or None, prefix="p")
    if request.method == "POST" and form.is_valid() and perpetrators.is_valid():
        rows = [p for p in (f.to_data() for f in perpetrators.forms) if p]
        try:
            report = save_once(
                request,
                lambda: services.report_receive(actor=request.user, data=form.to_data(rows)),
                # A partner who logged it sees the report; commune staff and supervisors go on to its children.
                url=lambda r: reverse(
                    "cases:report_detail" if acts_for_agency(request.user) else "cases:report_children",
                    args=[r.pk],
                ),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Đã tiếp nhận thông tin số %(reference)s.") % {"reference": report.reference})
            if acts_for_agency(request.user):
                return redirect("cases:report_detail", pk=report.pk)
            return redirect("cases:report_children", pk=report.pk)
    return render(request, "cases/report_form.html", {"form": form, "perpetrators": perpetrators})


@login_required
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for(request.user, pk)
    show_reporter = can_see_reporter(request.user, report)
    services.record_view(actor=request.user, obj=report, details={"reporter_shown": show_reporter})
    steps = services.INTAKE.available(request.user, report)
    return render(
        request,
        "cases/report_detail.html",
        {
            "report": report,
            "show_reporter": show_reporter,
            "repeats": selectors.open_reports_for_children(request.user, report),
            "can_add_children": can_register_child(request.user),
            # A partner who logged the report learns no child's identity from it; referrals tell them what they need.
            "show_children": can_use_registry(request.user),
            "show_family": can_see_report_family(request.user, report),
            "report_cases": selectors.cases_visible_to(request.user).filter(report=report).select_related("child"),
            "history": selectors.report_history(report),
            "intake_steps": steps,
            "forward_blocked": None if steps else services.forward_blocked(request.user, report),
            # Children whose case moved to another commune: where and when, not who (docs/architecture.md#moves).
            "moved_out": selectors.report_transfers_out(request.user, report),
        },
    )


@login_required
def report_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """The form of a step of the intake workflow (GET) and taking it (POST): forwarding the report."""
    report = selectors.report_get_for(request.user, pk)

    def done() -> str:
        # Forwarded out of the sender's reach: their trace of it, not a page they may no longer open.
        if selectors.reports_visible_to(request.user).filter(pk=report.pk).exists():
            return reverse("cases:report_detail", args=[report.pk])
        return reverse("cases:report_forwarded")

    page = step_form(
        request, services.INTAKE, report, action, back=reverse("cases:report_detail", args=[report.pk]), done=done
    )
    if isinstance(page, HttpResponse):
        return page
    transition, form = page
    services.record_view(actor=request.user, obj=report, details={"page": "act", "action": action})
    return render(request, "cases/report_act.html", {"report": report, "transition": transition, "form": form})


@login_required
def report_forwarded(request: AuthenticatedRequest) -> HttpResponse:
    """The reports forwarded from the communes in reach: reference, when, where to, by whom, why (nothing else)."""
    steps = selectors.reports_forwarded_from(request.user)
    page = Paginator(steps, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/report_forwarded.html", {"page": page})


@login_required
@create_form
def report_children(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Attach children to a report: pick one found by an accent-free search, or register a new one (after the
    likely duplicates have been shown)."""
    report = selectors.report_get_for(request.user, pk)
    if not can_register_child(request.user):
        raise PermissionDenied(_("Vai trò của bạn không đăng ký trẻ em."))
    query = request.GET.get("q", "")[:100]
    visible = selectors.children_visible_to(request.user).select_related("residence_unit")
    found = selectors.name_matches(visible, query)[:20] if query.strip() else []
    form = ChildForm(initial={"residence_unit": report.incident_unit.code})
    candidates: list[selectors.Candidate] = []
    if request.method == "POST":
        if request.POST.get("action") == "attach":
            child_id = request.POST.get("child", "")
            if not child_id.isdigit():
                raise Http404
            child = selectors.child_get_for(request.user, int(child_id))
            try:
                services.report_attach_child(actor=request.user, report=report, child=child)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("Đã gắn %(child)s vào thông tin %(reference)s.")
                    % {"child": child.full_name, "reference": report.reference},
                )
            return redirect("cases:report_children", pk=report.pk)
        form = ChildForm(request.POST)
        if form.is_valid():
            data = form.to_data()
            if request.POST.get("confirm_new") != "on":  # the officer has not yet seen the likely duplicates
                candidates = _likely_duplicates(request.user, data)
            if not candidates:
                try:
                    child = save_once(
                        request,
                        lambda: services.report_register_child(actor=request.user, report=report, data=data),
                        url=lambda _c: reverse("cases:report_children", args=[report.pk]),
                    )
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("Đã đăng ký %(child)s và gắn vào thông tin %(reference)s.")
                        % {"child": child.full_name, "reference": report.reference},
                    )
                    return redirect("cases:report_children", pk=report.pk)
    services.record_view(actor=request.user, obj=report, details={"page": "children"})
    return render(
        request,
        "cases/report_children.html",
        {
            "report": report,
            "query": query,
            "found": found,
            "form": form,
            "candidates": candidates,
            "attached": {c.pk for c in report.children.all()},
        },
    )


# --- Children ------------------------------------------------------------------------------------------------------


@login_required
def child_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_registry_role(request.user)
    form = ChildFilterForm(request.GET or None)
    filters = child_filters(form)
    number = request.GET.get("page", "")
    upto = int(number) * PAGE_SIZE if number.isdigit() and 0 < int(number) < 100_000 else PAGE_SIZE
    listing = selectors.ChildListing(request.user, filters, upto=upto)
    page = Paginator[Child](listing, PAGE_SIZE).get_page(number)
    successors = successors_of(old_unit_ids(c.residence_unit for c in page))  # no query unless old-list communes
    return render(
        request,
        "cases/child_list.html",
        {
            "form": form,
            "page": page,
            "capped": listing.capped,
            "can_create": can_register_child(request.user),
            "successors": successors,
        },
    )


@login_required
@create_form
def child_create(request: AuthenticatedRequest) -> HttpResponse:
    _require_registry_role(request.user)
    if not can_register_child(request.user):
        raise PermissionDenied(_("Vai trò của bạn không đăng ký trẻ em."))
    commune = request.user.unit if works_for_commune(request.user) else None
    initial = {"residence_unit": commune.code} if commune else {}
    form = ChildForm(request.POST or None, initial=initial)
    candidates: list[selectors.Candidate] = []
    if request.method == "POST" and form.is_valid():
        data = form.to_data()
        if request.POST.get("confirm_new") != "on":
            candidates = _likely_duplicates(request.user, data)
        if not candidates:
            try:
                child = save_once(
                    request,
                    lambda: services.child_register(actor=request.user, data=data),
                    url=lambda c: reverse("cases:child_detail", args=[c.pk]),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Đã đăng ký %(child)s.") % {"child": child.full_name})
                return redirect("cases:child_detail", pk=child.pk)
    return render(request, "cases/child_form.html", {"form": form, "candidates": candidates})


@login_required
def child_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    child = selectors.child_get_for(request.user, pk)
    protected = can_see_child_protected(request.user, child)
    services.record_view(actor=request.user, obj=child, details={"protected_shown": protected})
    return render(
        request,
        "cases/child_detail.html",
        {
            "child": child,
            "protected": protected,
            "reports": selectors.child_reports_for(request.user, child),
            "shared_id": selectors.children_sharing_national_id(request.user, child) if protected else [],
            "can_edit": can_register_child(request.user),
        },
    )


@login_required
def child_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    child = selectors.child_get_for(request.user, pk)
    if not can_register_child(request.user):
        raise PermissionDenied(_("Vai trò của bạn không sửa hồ sơ trẻ em."))
    initial = {f: getattr(child, f) for f in services.CHILD_FIELDS}
    initial.update(
        residence_unit=child.residence_unit.code,
        version=child.version,
        circumstances=[c.group for c in child.circumstances.all()],
    )
    form = ChildEditForm(request.POST or None, initial=initial)
    # On POST the formset has no initial rows: every non-empty row posted is the new list, whatever the page said.
    # A POST without the carers block at all edits the record and leaves the carers as they are.
    posted_carers = request.method == "POST" and "c-TOTAL_FORMS" in request.POST
    carers = (
        CarerFormSet(request.POST, prefix="c")
        if posted_carers
        else CarerFormSet(
            prefix="c",
            initial=[{"full_name": c.full_name, "relation": c.relation, "phone": c.phone} for c in child.carers.all()],
        )
    )
    if request.method == "POST" and form.is_valid() and (not posted_carers or carers.is_valid()):
        data = form.to_data()
        if posted_carers:
            data.carers = [
                {k: _plain_text(v) for k, v in c.cleaned_data.items()}
                for c in carers.forms
                if c.cleaned_data.get("full_name")
            ]
            data.carers_given = True
        version = form.cleaned_data["version"]
        failed = take_step(
            form,
            lambda: services.child_update(actor=request.user, child=child, data=data, version=version),
            rebind=ChildEditForm,
            record=child,
        )
        if failed is None:
            messages.success(request, _("Đã lưu hồ sơ trẻ em."))
            return redirect("cases:child_detail", pk=child.pk)
        form = failed
    services.record_view(actor=request.user, obj=child, details={"page": "edit"})
    return render(request, "cases/child_form.html", {"form": form, "child": child, "carers": carers})


# --- Cases: the statutory workflow ---------------------------------------------------------------------------------


CASELOAD_KEYS = ("officer", "open", "received_from", "received_to", "closed", "reopened")


@login_required
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_registry_role(request.user)
    filters = case_filters(request.GET)
    open_flags = Prefetch("flags", queryset=CaseFlag.objects.filter(cleared_at__isnull=True), to_attr="open_flags")
    cases = selectors.cases_list(request.user, filters).prefetch_related(open_flags)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    successors = successors_of(old_unit_ids(c.unit for c in page))  # no query unless old-list communes are shown
    without_unit = request.GET.copy()
    for key in ("unit", "page"):
        without_unit.pop(key, None)
    # The caseload figures' drill-down (home/caseload.py): kept through the filter form, named, and removable.
    caseload = {key: request.GET[key] for key in CASELOAD_KEYS if request.GET.get(key)}
    without_caseload = request.GET.copy()
    for key in (*CASELOAD_KEYS, "page"):
        without_caseload.pop(key, None)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "states": CaseState.choices,
            "state": filters.state,
            "overdue": filters.overdue,
            "abuse_forms": [*MAIN_FORMS, *SEXUAL_SUBTYPES],
            "abuse_form": filters.form,
            "unit": filters.unit,
            "successors": successors,
            "without_unit": without_unit.urlencode(),
            "caseload": caseload,
            "without_caseload": without_caseload.urlencode(),
            "now": timezone.now(),
            "flag": filters.flag,
            "departed": filters.departed,
            "flag_kinds": FlagKind.choices,
            "problems": case_filter_problems(request.GET),
            # The bulk bar (cases/bulk_views.py): the new officer's choice only for those who may reassign.
            "bulk_officers": selectors.officers_in_reach(request.user) if can_reassign_cases(request.user) else [],
            "list_query": request.GET.urlencode(),
        },
    )


@login_required
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if acts_for_agency(request.user):
        # A partner reaches a case only through a referral to their agency (404 otherwise).
        return redirect(partner_case_url(request.user, pk))
    case = selectors.case_get_for(request.user, pk)
    protected = can_see_child_protected(request.user, case.child)
    services.record_view(actor=request.user, obj=case, details={"protected_shown": protected})
    # The receiving side answers a transfer on the transfers page (cases/transfer_views.py), not here.
    available = [t for t in services.CASEWORK.available(request.user, case) if not t.receiving]
    parts = case_page_parts(request.user, case)
    # The chair's decisions on the timeline, each with its signature (or the button to sign it): read at once.
    decisions = [s for s in parts["timeline"] if isinstance(s, CaseStep) and kinds_for_step(s)]
    for step in decisions:
        step.case = case
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "protected": protected,
            "actions": [t for t in available if t.action not in TRANSFER_FORMS],
            "transfer_actions": [t for t in available if t.action in TRANSFER_FORMS],
            "open_transfer": selectors.open_transfer(case),
            **parts,
            "signatures": signed_current_map(decisions) if protected else {},
            "deadlines": selectors.case_open_deadlines(case),
            "plans": case.plans.prefetch_related("activities"),
            "measures": case.emergency_measures.all(),
            "comments": case.comments.select_related("author"),
            "attachments": case.attachments.select_related("uploaded_by"),
            "can_attach": protected and can_attach_files(request.user),
            "can_comment": can_comment(request.user),
            "comment_form": CommentForm(),
            **_links_part(request, case),
            "now": timezone.now(),
            "flags": case.flags.filter(cleared_at__isnull=True).select_related("created_by"),
            "can_flag": can_flag_cases(request.user),
            "flag_form": CaseFlagForm(initial={"version": case.version}) if can_flag_cases(request.user) else None,
        },
    )


def _links_part(request: AuthenticatedRequest, case: Case) -> dict[str, Any]:
    """The "Hồ sơ liên quan" card: the links within the user's reach, and for those who may link, the form and the
    suggestions (brothers and sisters, the child's earlier closed cases). A suggestion is a link to the page with
    ?link=<id>&kind=<kind>, which fills the form in (no script)."""
    user = request.user
    may_link = can_handle_cases(user)
    initial: dict[str, str] = {}
    other = selectors.case_number_pk(request.GET.get("link", ""))
    if may_link and other is not None:
        initial["other"] = f"HS-{other:06d}"
        if request.GET.get("kind") in LinkKind.values:
            initial["kind"] = request.GET["kind"]
    links = selectors.case_links_for(user, case)
    for linked in links:
        linked.name_shown = can_see_child_protected(user, linked.other.child)
    return {
        "links": links,
        "can_link": may_link,
        "link_form": CaseLinkForm(initial=initial) if may_link else None,
        "link_suggestions": selectors.case_link_suggestions(user, case) if may_link else [],
    }


@login_required
@require_POST
def case_flag(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Flag the case for attention, with a note (the chair of its commune, a supervisor above it): one open flag of
    each kind; a case changed since the page was opened is refused as stale."""
    case = selectors.case_get_for(request.user, pk)
    if not can_flag_cases(request.user):
        raise PermissionDenied(_("Vai trò của bạn không đánh dấu hồ sơ."))
    form = CaseFlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Chưa đánh dấu: hãy chọn loại đánh dấu (ghi chú tối đa 1000 ký tự)."))
        return redirect("cases:case_detail", pk=case.pk)
    data = form.cleaned_data
    try:
        services.case_flag(actor=request.user, case=case, kind=data["kind"], note=data["note"], version=data["version"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã đánh dấu “%(kind)s”.") % {"kind": FlagKind(data["kind"]).label})
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def case_unflag(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Clear one of the case's open flags (`flag`: its id)."""
    case = selectors.case_get_for(request.user, pk)
    if not can_flag_cases(request.user):
        raise PermissionDenied(_("Vai trò của bạn không gỡ đánh dấu hồ sơ."))
    raw = request.POST.get("flag", "")
    flag = case.flags.filter(pk=int(raw), cleared_at__isnull=True).first() if raw.isdigit() and len(raw) < 18 else None
    if flag is None:
        messages.error(request, _("Không tìm thấy đánh dấu này trên hồ sơ (có thể đã được gỡ)."))
    else:
        try:
            services.case_unflag(actor=request.user, flag=flag)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã gỡ đánh dấu “%(kind)s”.") % {"kind": flag.get_kind_display()})
    return redirect("cases:case_detail", pk=case.pk)


CLOSURE_ACTIONS = ("propose_closure", "approve_closure")
REASSIGN_LIMIT = 200  # cases listed at once on the bulk page (filter by officer to reach the others)


@login_required
def case_reassign(request: AuthenticatedRequest) -> HttpResponse:
    """Hand many open cases to another officer at once: each through the workflow's `reassign` step."""
    if not can_reassign_cases(request.user):
        raise PermissionDenied
    officers = selectors.officers_in_reach(request.user)
    raw = request.GET.get("officer", "")
    current = int(raw) if raw.isdigit() else None
    departed = request.GET.get("departed") == "1"
    form = BulkReassignForm(request.POST or None, officers=officers)
    if request.method == "POST" and form.is_valid():
        result = services.case_reassign_many(
            actor=request.user,
            cases=form.versions(),
            officer=form.cleaned_data["officer"],
            reason=form.cleaned_data["reason"],
        )
        if result.moved:
            messages.success(
                request,
                _("Đã giao %(n)d hồ sơ cho %(officer)s.")
                % {"n": len(result.moved), "officer": form.cleaned_data["officer"]},
            )
        for pk, why in result.refused:
            messages.error(request, _("Hồ sơ số %(pk)d không được giao: %(why)s") % {"pk": pk, "why": why})
        return redirect(request.get_full_path())
    cases = selectors.cases_to_reassign(request.user, officer=current, departed=departed)
    return render(
        request,
        "cases/case_reassign.html",
        {
            "form": form,
            "cases": cases[:REASSIGN_LIMIT],
            "count": cases.count(),
            "limit": REASSIGN_LIMIT,
            "officers": officers,
            "current": current,
            "departed": departed,
        },
    )


def _step_form_kwargs(user: User, case: Any, action: str) -> dict[str, Any] | None:
    if action in ("reassign", "rehome"):
        return {"case": case}
    if action in TRANSFER_FORMS:
        return {"case": case, "actor": user, "transfer": selectors.open_transfer(case)}
    return None


@login_required
def case_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """The form of one workflow step (GET) and taking it (POST). Refused steps say why, in Vietnamese."""
    case = selectors.case_get_for(request.user, pk)
    row = services.CASEWORK.get(action)
    if row is not None and row.receiving:
        raise Http404  # answered from the transfer's page, by the receiving side (cases/transfer_views.py)
    activities = ActivityFormSet(request.POST or None, prefix="a") if action == "draft_plan" else None

    def data(form: Any) -> dict[str, Any]:
        record: dict[str, Any] = form.record()
        if activities is not None:
            record["activities"] = [a.cleaned_data for a in activities.forms if a.cleaned_data.get("activity")]
        return record

    page = step_form(
        request,
        services.CASEWORK,
        case,
        action,
        back=reverse("cases:case_detail", args=[case.pk]),
        form_kwargs=_step_form_kwargs(request.user, case, action),
        data=data,
        ready=lambda: activities is None or activities.is_valid(),
    )
    if isinstance(page, HttpResponse):
        return page
    transition, form = page
    services.record_view(actor=request.user, obj=case, details={"page": "act", "action": action})
    return render(
        request,
        "cases/case_act.html",
        {
            "case": case,
            "transition": transition,
            "form": form,
            "activities": activities,
            "now": timezone.now(),
            # The deadlines this step settles, so that the person acting sees how long they have.
            "due": selectors.case_open_deadlines(case).filter(kind__in=transition.settles),
            # Closing: what NĐ 56 Đ30 asks, each met or not. Deciding emergency protection: the Mẫu 02 it rests on.
            "closure_conditions": services.closure_conditions(case) if action in CLOSURE_ACTIONS else None,
            "assessment": services.initial_assessment(case) if action == "decide_emergency" else None,
        },
    )


@login_required
@require_POST
@create_form
def case_comment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Ý kiến không được để trống."))
    else:
        try:
            save_once(
                request,
                lambda: services.case_comment(
                    actor=request.user,
                    case=case,
                    text=form.cleaned_data["text"],
                    requests_changes=form.cleaned_data["requests_changes"],
                ),
                url=lambda _c: reverse("cases:case_detail", args=[case.pk]),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã gửi ý kiến."))
    return redirect("cases:case_detail", pk=case.pk)
