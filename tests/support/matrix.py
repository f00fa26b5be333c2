"""The access matrix's rules (tests/security/test_access_matrix.py runs them): for every URL pattern of the project,
how to fill its kwargs for each object of the world (tests/support/world.py), who reaches each object, and the status
each role inside reach gets; and the machinery that requests a rule as every role and collects the mismatches
(statuses, what a 200 shows that the role may not see, what a request from outside reach changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.apps import apps
from django.core.paginator import Page
from django.db import connection, models, transaction
from django.template.context import BaseContext
from django.test import Client
from django.test.utils import ContextList
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import Report

from .world import CHILD_NAMES, DESCRIPTION_MARKS, REPORTERS, ROLES, World

# --- the patterns ------------------------------------------------------------------------------------------------

EXCLUDED_NAMESPACES = ("admin",)  # the Django admin: its own staff check, tested at the bottom
EXCLUDED_NAMES = ("set_language",)  # the language switch: no data, same for everyone


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    kwargs: frozenset[str]


def _walk(patterns: Iterable[Any], prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            local = entry.name or f"<unnamed {route}>"
            name = f"{namespace}:{local}" if namespace else local
            converters = getattr(entry.pattern, "converters", {}) or {}
            groups = set(entry.pattern.regex.groupindex)
            yield Pattern(name, route, frozenset(set(converters) | groups))


def project_patterns() -> dict[str, Pattern]:
    """Every pattern of the project by its reverse name (namespace:name), but the admin's and the language switch."""
    found: dict[str, Pattern] = {}
    for pattern in _walk(get_resolver().url_patterns):
        if pattern.name.split(":")[0] in EXCLUDED_NAMESPACES or pattern.name in EXCLUDED_NAMES:
            continue
        found[pattern.name] = pattern
    return found


def web_patterns() -> dict[str, Pattern]:
    """The project's patterns but the API's endpoints (/api/v1/), which tests/security/test_api_matrix.py walks with
    the API's callers (tests/support/api_matrix.py)."""
    return {n: p for n, p in project_patterns().items() if not p.route.replace("^", "").startswith("api/v1/")}


# --- reach -------------------------------------------------------------------------------------------------------

LOGGED_IN = tuple(r for r in ROLES if r != "anonymous")
EVERYONE = frozenset(LOGGED_IN)
NOBODY: frozenset[str] = frozenset()
STAFF_A = frozenset({"officer_a", "chair_a", "supervisor", "admin"})
STAFF_B = frozenset({"officer_b", "supervisor", "admin"})
ADMIN = frozenset({"admin"})

# Who reaches each place's records through the selectors (commune staff their commune, the supervisor the province,
# the administrator everything; partners only what was referred to their agency or what they logged).
CASES = {"A": STAFF_A, "B": STAFF_B, "X": ADMIN}
REPORTS = {**CASES, "P": STAFF_A | {"police"}}  # P: the report the police partner logged in commune A
REFERRALS = {"A": STAFF_A | {"police"}, "B": STAFF_B, "X": ADMIN}  # A's referral went to the police's agency
PERIODIC = CASES
JOBS = {"A": frozenset({"supervisor", "admin"}), "X": ADMIN}  # the uploader and the administrators
EXPORTS = {"A": frozenset({"officer_a"}), "X": NOBODY}  # the asker alone (X: the Hà Nội officer's)
NOTIFICATIONS = {"A": frozenset({"officer_a"}), "B": frozenset({"officer_b"}), "X": NOBODY}  # X: officer_x's

# Who may see each place's record in a page at all (the leak checks on every 200): a referral shows the partner the
# child and the case it is about; the reporter is shown to neither partners nor administrators (cases.policy).
SEES_CHILD = {"A": STAFF_A | {"police"}, "B": STAFF_B, "X": ADMIN}
SEES_REPORT = REPORTS  # the report's own account of the facts
# The report as a record in a page's context: the referral's page and letter take from it what the agency needs
# (the forms of abuse, the incident's date and place), never its account or its reporter (checked by the marks).
SEES_REPORT_RECORD = {**REPORTS, "A": STAFF_A | {"police"}}
SEES_REPORTER = {
    "A": frozenset({"officer_a", "chair_a", "supervisor"}),
    "B": frozenset({"officer_b", "supervisor"}),
    "X": NOBODY,
    "P": frozenset({"officer_a", "chair_a", "supervisor"}),
}


IMPORTERS = {"officer_a": 200, "officer_b": 200, "chair_a": 200, "supervisor": 200, "admin": 200}


def each(default: int, **roles: int) -> dict[str, int]:
    """A status for every logged-in role, `default` unless named."""
    unknown = set(roles) - set(LOGGED_IN)
    assert not unknown, f"not in the cast: {unknown}"
    return {role: roles.get(role, default) for role in LOGGED_IN}


# --- rules -------------------------------------------------------------------------------------------------------

# Called with the world. `...`: the lambdas bind their loop variable as a default argument (lambda w, p=p: ...),
# which mypy cannot match against a one-argument Callable.
Kwargs = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Target:
    """One way to fill a pattern: an object of the world and who reaches it."""

    label: str
    kwargs: Kwargs
    reach: frozenset[str]
    data: Callable[[World], dict[str, Any]] | None = None  # what a POST sends (default: nothing)
    methods: tuple[str, ...] = ("GET", "POST")  # a target made for one method only


NO_OBJECT = Target("-", lambda w: {}, EVERYONE)


@dataclass(frozen=True)
class Rule:
    get: Mapping[str, int]  # status of a GET for each role inside reach
    targets: tuple[Target, ...] = (NO_OBJECT,)
    post: Mapping[str, int] | None = None  # status of an empty/garbage POST for each role inside reach (None: no POST)
    post_only: bool = False  # require_POST: a GET is 405 for everyone logged in, inside reach or not
    query: str = ""
    anonymous: Mapping[str, int] | None = None  # a page open to anonymous visitors: their status per method
    shows_deleted: bool = False  # the administrator's page of deleted records (elsewhere they are a leak)
    note: str = ""
    sees: Mapping[str, frozenset[str]] | None = None  # who may see a mark (marks()' "what") here, if not the usual

    def may_see(self, what: str, roles: frozenset[str]) -> frozenset[str]:
        return (self.sees or {}).get(what, roles)

    def methods(self) -> tuple[str, ...]:
        return ("GET", "POST") if self.post is not None else ("GET",)

    def expected(self, role: str, target: Target, method: str) -> int:
        if role == "anonymous":
            return (self.anonymous or {}).get(method, 302)
        if method == "GET" and self.post_only:
            return 405
        if role not in target.reach:
            return 404
        table = self.get if method == "GET" else self.post
        assert table is not None
        return table[role]


def on(reach: Mapping[str, frozenset[str]], kwargs: Callable[[World, str], dict[str, Any]]) -> tuple[Target, ...]:
    """One target per place of a reach table."""
    return tuple(Target(place, (lambda w, p=place: kwargs(w, p)), roles) for place, roles in reach.items())


def case_pk(w: World, p: str) -> dict[str, Any]:
    return {"pk": w.cases[p].pk}


def report_pk(w: World, p: str) -> dict[str, Any]:
    return {"pk": w.reports[p].pk}


def child_pk(w: World, p: str) -> dict[str, Any]:
    return {"pk": w.children[p].pk}


def referral_pk(w: World, p: str) -> dict[str, Any]:
    return {"pk": w.referrals[p].pk}


def periodic_pk(w: World, p: str) -> dict[str, Any]:
    return {"pk": w.periodic[p].pk}


def job_pk(w: World, p: str) -> dict[str, Any]:
    return {"pk": w.jobs[p].pk}


def export_pk(w: World, p: str) -> dict[str, Any]:
    return {"pk": w.exports[p].pk}


def with_(targets: tuple[Target, ...], **extra: Any) -> tuple[Target, ...]:
    """The targets with more kwargs (the action, the form's number...)."""
    return tuple(
        Target(t.label, (lambda w, t=t: {**t.kwargs(w), **extra}), t.reach, t.data, t.methods) for t in targets
    )


def nowhere(label: str, kwargs: Kwargs, **more: Any) -> Target:
    """A target nobody reaches: a missing thing, or a mix of one record with another record's part."""
    return Target(label, kwargs, NOBODY, **more)


def deleted(kind: str) -> Kwargs:
    """The pk of the world's deleted (hidden) report or case."""
    return lambda w: {"pk": w.deleted[kind].pk}


def deleted_record(kind: str) -> Kwargs:
    return lambda w: {"kind": kind, "pk": w.deleted[kind].pk}


CASE_TARGETS = on(CASES, case_pk)
# Who reaches the world's transfer request "T" (commune A to commune B): both sides, the supervisor, the administrator.
TRANSFER = STAFF_A | STAFF_B


def _transfer(w: World) -> Any:
    assert w.transfer is not None
    return w.transfer


PUBLIC = {"GET": 200, "POST": 200}


def _api_client(w: World) -> Any:
    assert w.api_client is not None
    return w.api_client


RULES: dict[str, Rule] = {
    # --- home, accounts, places, notifications, imports --------------------------------------------------------
    "home": Rule(get=each(200)),
    # The caseload figures (home/caseload.py): the chair's commune, the supervisor's area, the administrator's country;
    # officers and partners have no such page.
    "caseload": Rule(get=each(404, chair_a=200, supervisor=200, admin=200), query="period=6"),
    "caseload_xlsx": Rule(get=each(404, chair_a=200, supervisor=200, admin=200), query="period=annual-2026"),
    "login": Rule(get=each(302), post=each(302), anonymous=PUBLIC, note="public; signed-in users are sent home"),
    "logout": Rule(get=each(405), post=each(302), anonymous={"GET": 405, "POST": 302}, note="POST only, public"),
    "password_change": Rule(get=each(200), post=each(200)),
    "password_change_done": Rule(get=each(200)),
    "profile": Rule(get=each(200)),
    "two_factor_setup": Rule(get=each(200), post=each(200)),
    "two_factor_verify": Rule(get=each(302), post=each(302), note="no device: straight on"),
    # require_POST wraps login_required here: an anonymous GET is a 405 (nothing is looked up), a POST goes to login.
    "two_factor_disable": Rule(get=each(405), post=each(302), post_only=True),
    "two_factor_backup_codes": Rule(get=each(302), post=each(302), note="no device: to the profile"),
    "places:list": Rule(get=each(200), note="the public list of administrative units"),
    "places:search_json": Rule(get=each(200), query="q=hac"),
    "places:detail": Rule(
        get=each(200),
        targets=tuple(Target(p, (lambda w, p=p: {"pk": w.units[p].pk}), EVERYONE) for p in ("A", "X")),
        note="units are public reference data",
    ),
    "notifications": Rule(get=each(200)),
    # The link in an SMS, Zalo or e-mail alert: public (it marks the alert opened, then the record asks for a login).
    "alerts:open": Rule(
        get=each(404),
        targets=(nowhere("a token of no alert", lambda w: {"token": "fffff-000000000000"}),),
        anonymous={"GET": 404},
        note="public; an unknown or forged token is a 404",
    ),
    # A provider's delivery receipts: public (GET too: eSMS calls back by GET), checked by the provider's signature or
    # secret token; no provider is configured.
    "alerts:receipt": Rule(
        get=each(404),
        post=each(404),
        targets=(nowhere("a provider not configured", lambda w: {"channel": "sms", "provider": "esms"}),),
        anonymous={"GET": 404, "POST": 404},
        note="public; a provider that is not the configured one is a 404",
    ),
    # Prometheus (docs/architecture.md#metrics): no session, a token or an allow-list; neither is set here: off.
    "metrics": Rule(
        get=each(404),
        post=each(404),
        anonymous={"GET": 404, "POST": 404},
        note="public; off (404) without CHILDPROTECT_METRICS_TOKEN or _ALLOW, tests/metrics test it on",
    ),
    # Probes of load balancers and orchestrators: public, the same for everyone, nothing of anyone's in them.
    "healthz": Rule(get=each(200), anonymous={"GET": 200}, note="public: the process is up"),
    "readyz": Rule(get=each(200), anonymous={"GET": 200}, note="public: ok, degraded or fail, no details"),
    # --- the offline field app (docs/field.md): the shell for everyone signed in; its files are public, no data ----
    "field:app": Rule(get=each(200), note="the shell; what a person may do there is the API's to say"),
    "field:sw": Rule(get=each(200), anonymous={"GET": 200}, note="public: the service worker's code"),
    "field:manifest": Rule(get=each(200), anonymous={"GET": 200}, note="public: the web app manifest"),
    "javascript-catalog": Rule(get=each(200), anonymous={"GET": 200}, note="public: the JavaScript catalog"),
    # --- the administrators' page of the alert channels (administrators only; everyone else a 404) -------------------
    "alerts:channels": Rule(get=each(404, admin=200), note="administrators only"),
    # An empty POST shows the page again with the form's errors; nothing is sent.
    "alerts:channel_test": Rule(get=each(405), post=each(404, admin=200), post_only=True),
    "alerts:delivery_list": Rule(get=each(404, admin=200), query="channel=email&status=failed"),
    "alerts:delivery_detail": Rule(
        get=each(200),
        targets=(
            Target("delivery", lambda w: {"pk": w.delivery.pk}, ADMIN),
            nowhere("no such delivery", lambda w: {"pk": w.delivery.pk + 1000}),
        ),
    ),
    "alerts:delivery_retry": Rule(
        get=each(405),
        post=each(302),
        post_only=True,
        targets=(
            Target("delivery", lambda w: {"pk": w.delivery.pk}, ADMIN),
            nowhere("no such delivery", lambda w: {"pk": w.delivery.pk + 1000}),
        ),
    ),
    # Each person's own alert settings (no object: their own profile); an empty POST is refused on the page (no
    # version, no code, no channel configured to send a code by) or, for the number, changes nothing.
    "alerts:settings": Rule(get=each(200), post=each(200)),
    "alerts:quiet_hours": Rule(get=each(405), post=each(200), post_only=True),
    "alerts:phone": Rule(get=each(405), post=each(302), post_only=True, note="an empty number: none to remove"),
    "alerts:phone_code": Rule(get=each(405), post=each(200), post_only=True, note="no SMS or Zalo configured"),
    "alerts:phone_verify": Rule(get=each(405), post=each(200), post_only=True),
    "notification_open": Rule(
        get=each(405),
        post=each(302),
        post_only=True,
        targets=on(NOTIFICATIONS, lambda w, p: {"pk": w.notifications[p].pk}),
    ),
    "notification_read_all": Rule(get=each(405), post=each(302), post_only=True),
    # Commune staff import their own commune's registry (the children's importer alone).
    "imports": Rule(get=each(404, **IMPORTERS), post=each(404, **IMPORTERS)),
    "import_template": Rule(
        get=each(404, **IMPORTERS),
        targets=(Target("children.csv", lambda w: {"kind": "children", "fmt": "csv"}, EVERYONE),),
    ),
    "import_detail": Rule(get=each(200), targets=on(JOBS, job_pk)),
    # Only the uploader confirms (the administrator sees the job but is refused); cancelling someone else's job
    # does nothing and goes back to the list.
    "import_confirm": Rule(get=each(405), post=each(302, admin=403), post_only=True, targets=on(JOBS, job_pk)),
    "import_cancel": Rule(get=each(405), post=each(302), post_only=True, targets=on(JOBS, job_pk)),
    # An XLSX export's page and file: its asker's alone, administrators included (404).
    "export_detail": Rule(get=each(200), targets=on(EXPORTS, export_pk)),
    # Saved searches are each user's own: the page lists one's own; an empty POST of another list is a 404 (no such
    # list), an edit of no search of one's own too (tests/home/test_saved_searches.py: another user's is a 404).
    "saved_searches": Rule(get=each(200)),
    "saved_search_create": Rule(get=each(405), post=each(404), post_only=True),
    "saved_search_edit": Rule(get=each(405), post=each(404), post_only=True),
    "export_download": Rule(get=each(200), targets=on(EXPORTS, export_pk)),
    # --- cases: reports, children, cases ------------------------------------------------------------------------
    "cases:report_list": Rule(get=each(200), note="partners: the reports they logged"),
    "cases:report_create": Rule(get=each(200, admin=403), post=each(200, admin=403)),
    "cases:report_export": Rule(get=each(200), query="format=csv"),
    "cases:report_detail": Rule(
        get=each(200), targets=(*on(REPORTS, report_pk), nowhere("deleted", deleted("report")))
    ),
    # Forwarding (cases/intake_workflow.py): the world's reports have a case past its first step, so those who may
    # forward are refused in words (a GET goes back to the report, a POST shows the form with why); the administrator
    # takes no part (403). The police partner's report P is forwarded in tests/cases/test_forward.py.
    "cases:report_act": Rule(
        get=each(302, admin=403),
        post=each(200, admin=403),
        targets=(
            *with_(on(CASES, report_pk), action="forward"),
            nowhere("A/unknown step", lambda w: {"pk": w.reports["A"].pk, "action": "close"}),
            nowhere("deleted", lambda w: {"pk": w.deleted["report"].pk, "action": "forward"}),
        ),
    ),
    # The trace of the reports forwarded from one's communes: reference, when, where, by whom, why (partners: none).
    "cases:report_forwarded": Rule(get=each(200)),
    "cases:report_children": Rule(
        query="q=a",  # the search for a child to attach: every child's name has an "a" (accents aside)
        get=each(200, police=403, admin=403),
        post=each(200, police=403, admin=403),
        targets=(
            *on(REPORTS, report_pk),
            # Attaching another place's child to one's own report: the child is out of reach (404); the
            # administrator, who reaches both, registers no children (403).
            Target(
                "A+child of X",
                lambda w: {"pk": w.reports["A"].pk},
                ADMIN,
                data=lambda w: {"action": "attach", "child": w.children["X"].pk},
                methods=("POST",),
            ),
        ),
    ),
    "cases:child_list": Rule(get=each(200, police=404), note="partners have no registry: 404"),
    "cases:child_create": Rule(get=each(200, police=404, admin=403), post=each(200, police=404, admin=403)),
    "cases:child_export": Rule(get=each(200, police=404), query="format=csv"),
    "cases:child_detail": Rule(
        get=each(200),
        # D: the child of a deleted report, still in the registry; the page must not list the deleted report.
        targets=(*on(CASES, child_pk), Target("D", lambda w: {"pk": w.deleted["child"].pk}, STAFF_A)),
    ),
    "cases:child_edit": Rule(get=each(200, admin=403), post=each(200, admin=403), targets=on(CASES, child_pk)),
    "cases:report_form_pdf": Rule(get=each(200), targets=on(REPORTS, report_pk)),
    "cases:case_list": Rule(get=each(200, police=404)),
    "cases:case_export": Rule(get=each(200, police=404), query="format=csv"),
    # The partner's way to a case is the referral: the case's address sends them there.
    "cases:case_detail": Rule(
        get=each(200, police=302),
        targets=(*on({**CASES, "A": STAFF_A | {"police"}}, case_pk), nowhere("deleted", deleted("case"))),
    ),
    # The cases stand at "initial assessment done": the emergency decision is the chair's (the others: 403).
    "cases:case_act": Rule(
        get=each(403, chair_a=200),
        post=each(403, chair_a=200),
        targets=(
            *with_(CASE_TARGETS, action="decide_emergency"),
            nowhere("A/unknown step", lambda w: {"pk": w.cases["A"].pk, "action": "delete_case"}),
        ),
    ),
    # The bulk reassignment: the chair's and the supervisor's (an empty POST shows the page again with its errors).
    "cases:case_reassign": Rule(
        get=each(403, chair_a=200, supervisor=200), post=each(403, chair_a=200, supervisor=200)
    ),
    # Re-homing the cases of old-list communes: the supervisors' (an empty POST shows the page again with its error).
    "cases:case_rehome": Rule(get=each(403, supervisor=200), post=each(403, supervisor=200)),
    "cases:case_comment": Rule(get=each(405), post=each(302), post_only=True, targets=CASE_TARGETS),
    # Linking cases (an empty form: refused with a message on the case page); what a link shows and to whom:
    # tests/cases/test_case_links.py.
    "cases:case_link": Rule(get=each(405), post=each(302), post_only=True, targets=CASE_TARGETS),
    "cases:case_unlink": Rule(get=each(405), post=each(302), post_only=True, targets=CASE_TARGETS),
    # Flagging a case and clearing a flag: the chair's and the supervisor's (an empty POST goes back to the case with
    # an error).
    "cases:case_flag": Rule(
        get=each(405), post=each(403, chair_a=302, supervisor=302), post_only=True, targets=CASE_TARGETS
    ),
    "cases:case_unflag": Rule(
        get=each(405), post=each(403, chair_a=302, supervisor=302), post_only=True, targets=CASE_TARGETS
    ),
    # The cases list's bulk actions: an empty POST goes back to the list with an error; partners have no registry.
    "cases:case_bulk": Rule(get=each(405), post=each(302, police=404), post_only=True),
    "cases:case_form_pdf": Rule(
        get=each(200),
        targets=(
            *with_(CASE_TARGETS, form="02"),
            nowhere("A/Mẫu 99", lambda w: {"pk": w.cases["A"].pk, "form": "99"}),
        ),
    ),
    # The world's cases wait for the chair's emergency decision: no decision to print yet (each kind is 404 even in
    # reach); an unknown kind is nobody's. Printing a decision, 403 and 404: tests/cases/test_decisions.py.
    "cases:case_decision_pdf": Rule(
        get=each(404),
        targets=(
            *with_(CASE_TARGETS, kind="emergency"),
            nowhere("A/unknown kind", lambda w: {"pk": w.cases["A"].pk, "kind": "nothing"}),
        ),
    ),
    "cases:attachment_upload": Rule(get=each(405), post=each(302), post_only=True, targets=CASE_TARGETS),
    "cases:attachment_download": Rule(
        get=each(200),
        targets=(
            *on(CASES, lambda w, p: {"pk": w.cases[p].pk, "attachment_pk": w.attachments[p].pk}),
            # Another case's file under one's own case: 404 for everyone, the administrator included.
            nowhere("A/file of B", lambda w: {"pk": w.cases["A"].pk, "attachment_pk": w.attachments["B"].pk}),
        ),
    ),
    # --- transfers between communes: the page of each side, and the answer to the world's request "T" (A to B) ----
    "cases:transfer_list": Rule(get=each(200, police=404, admin=404), note="commune staff and supervisors"),
    # The receiving side (commune B's officer, the supervisor over it) answers; the sending side withdraws; the
    # administrator sees the request but takes no part (403); a step of no transfer page: 404.
    "cases:transfer_act": Rule(
        get=each(403, officer_b=200, supervisor=200),
        post=each(403, officer_b=200, supervisor=200),
        targets=(
            Target("T/accept", lambda w: {"pk": _transfer(w).pk, "action": "accept_transfer"}, TRANSFER),
            Target("T/decline", lambda w: {"pk": _transfer(w).pk, "action": "decline_transfer"}, TRANSFER),
            nowhere("T/assess", lambda w: {"pk": _transfer(w).pk, "action": "assess_initial"}),
        ),
    ),
    # --- soft deletion (administrators only) -----------------------------------------------------------------------
    "cases:deleted_records": Rule(get=each(404, admin=200), shows_deleted=True),
    "cases:record_delete": Rule(
        get=each(200),
        post=each(200),
        targets=(
            Target("case A", lambda w: {"kind": "case", "pk": w.cases["A"].pk}, ADMIN),
            Target("child B", lambda w: {"kind": "child", "pk": w.children["B"].pk}, ADMIN),
            Target("report X", lambda w: {"kind": "report", "pk": w.reports["X"].pk}, ADMIN),
            nowhere("deleted case", deleted_record("case")),
            nowhere("unknown kind", lambda w: {"kind": "user", "pk": w.users["officer_a"].pk}),
        ),
    ),
    "cases:record_restore": Rule(
        get=each(405),
        post=each(302),
        post_only=True,
        targets=(
            Target("deleted report", deleted_record("report"), ADMIN),
            nowhere("live case A", lambda w: {"kind": "case", "pk": w.cases["A"].pk}),
        ),
    ),
    # --- referrals ---------------------------------------------------------------------------------------------
    "referrals:referral_list": Rule(get=each(200)),
    "referrals:referral_export": Rule(get=each(200), query="format=csv"),
    "referrals:referral_create": Rule(
        get=each(200, supervisor=403, admin=403),
        post=each(200, supervisor=403, admin=403),
        targets=on(CASES, lambda w, p: {"case_pk": w.cases[p].pk}),
    ),
    "referrals:referral_detail": Rule(get=each(200), targets=on(REFERRALS, referral_pk)),
    "referrals:referral_letter": Rule(get=each(200), targets=on(REFERRALS, referral_pk)),
    # The referrals are sent: the agency (or the commune on its behalf) answers; supervisor and administrator: 403.
    "referrals:referral_act": Rule(
        get=each(200, supervisor=403, admin=403),
        post=each(200, supervisor=403, admin=403),
        targets=(
            *with_(on(REFERRALS, referral_pk), action="accept"),
            nowhere("A/unknown step", lambda w: {"pk": w.referrals["A"].pk, "action": "delete"}),
        ),
    ),
    # --- digital signatures (childprotect/signing) -------------------------------------------------------------------
    # One's own certificates: every account has the page (an empty POST shows the form's errors).
    "signing:certificates": Rule(get=each(200), post=each(200)),
    "signing:certificate_revoke": Rule(
        get=each(405),
        post=each(404),
        post_only=True,
        targets=(nowhere("no such certificate", lambda w: {"pk": 999_999}),),
    ),
    # The periodic report is signed by who "Ký, gửi" it (the commune's chair); others in reach 403, outside 404. The
    # world's report is a draft: the chair's page says why it cannot be signed yet (an empty POST: the form's errors).
    "signing:sign": Rule(
        get=each(403, chair_a=200),
        post=each(403, chair_a=200),
        targets=(
            *with_(on(PERIODIC, periodic_pk), kind="periodic_report"),
            nowhere("unknown kind", lambda w: {"kind": "nosuch", "pk": w.periodic["A"].pk}),
        ),
    ),
    "signing:document": Rule(get=each(404), targets=(nowhere("no such signed document", lambda w: {"pk": 999_999}),)),
    # --- periodic reports ----------------------------------------------------------------------------------------
    "reporting:report_list": Rule(get=each(200, police=404)),
    "reporting:report_new": Rule(get=each(405), post=each(302, police=404), post_only=True),
    "reporting:report_detail": Rule(get=each(200), targets=on(PERIODIC, periodic_pk)),
    "reporting:report_figure": Rule(
        get=each(200),
        targets=(
            *with_(on(PERIODIC, periodic_pk), code="C01"),
            nowhere("A/X99", lambda w: {"pk": w.periodic["A"].pk, "code": "X99"}),
        ),
    ),
    "reporting:report_pdf": Rule(get=each(200), post=each(302), targets=on(PERIODIC, periodic_pk)),
    "reporting:report_pdf_download": Rule(get=each(200), targets=on(PERIODIC, periodic_pk)),
    "reporting:report_xlsx": Rule(get=each(200), targets=on(PERIODIC, periodic_pk)),
    "reporting:report_sent_version": Rule(
        get=each(200),
        targets=(
            *with_(on(PERIODIC, periodic_pk), number=1),
            nowhere("A/no such sending", lambda w: {"pk": w.periodic["A"].pk, "number": 2}),
        ),
    ),
    "reporting:report_sent_version_pdf": Rule(get=each(200), targets=with_(on(PERIODIC, periodic_pk), number=1)),
    # The commune's staff prepare (edit); the supervisor reviews, the administrator takes no part: 403.
    "reporting:report_act": Rule(
        get=each(403, officer_a=200, chair_a=200, officer_b=200),
        post=each(403, officer_a=200, chair_a=200, officer_b=200),
        targets=(
            *with_(on(PERIODIC, periodic_pk), action="edit"),
            nowhere("A/unknown step", lambda w: {"pk": w.periodic["A"].pk, "action": "delete"}),
        ),
    ),
    # The API's endpoints (/api/v1/) have their own matrix (tests/support/api_matrix.py); here, its pages.
    # The administrators' pages of API clients: a 404 for everyone else, as the other administrators' pages. An
    # empty POST shows the form again with its errors.
    "api:client_list": Rule(get=each(404, admin=200)),
    "api:client_create": Rule(get=each(404, admin=200), post=each(404, admin=200)),
    "api:client_detail": Rule(
        get=each(200),
        post=each(200),
        targets=(
            Target("client", lambda w: {"pk": _api_client(w).pk}, ADMIN),
            nowhere("no such client", lambda w: {"pk": _api_client(w).pk + 1000}),
        ),
    ),
    # Everyone's own tokens (an empty POST shows the form again with its errors).
    "api:token_list": Rule(get=each(200), post=each(200)),
    # --- the webhooks' log (administrators only; everyone else a 404) ----------------------------------------------
    "api:webhook_list": Rule(get=each(404, admin=200), note="administrators only"),
    "api:webhook_detail": Rule(
        get=each(200),
        targets=(
            Target("event", lambda w: {"pk": w.webhook_event.pk}, ADMIN),
            nowhere("no such event", lambda w: {"pk": w.webhook_event.pk + 1000}),
        ),
    ),
    "api:webhook_replay": Rule(
        get=each(405),
        post=each(302),
        post_only=True,
        targets=(
            Target("event", lambda w: {"pk": w.webhook_event.pk}, ADMIN),
            nowhere("no such event", lambda w: {"pk": w.webhook_event.pk + 1000}),
        ),
    ),
}


# The same pattern for a second step, whose roles differ from the emergency decision's (a table holds one rule a name):
# reassigning the officer in charge, the chair's and the supervisors' in any open state.
STEP_RULES: dict[str, Rule] = {
    "reassign": Rule(
        get=each(403, chair_a=200, supervisor=200),
        post=each(403, chair_a=200, supervisor=200),
        targets=with_(CASE_TARGETS, action="reassign"),
    ),
    # Asking another commune to take the case: its commune's staff and the supervisor; a supervisor's direct move.
    "request_transfer": Rule(
        get=each(200, admin=403), post=each(200, admin=403), targets=with_(CASE_TARGETS, action="request_transfer")
    ),
    "transfer": Rule(
        get=each(403, supervisor=200), post=each(403, supervisor=200), targets=with_(CASE_TARGETS, action="transfer")
    ),
    # The receiving side answers on the transfer's page, never through the case's (404 for everyone).
    "accept_transfer": Rule(get=each(404), post=each(404), targets=with_(CASE_TARGETS, action="accept_transfer")),
}


# --- after a transfer: the world's case A moved to commune B ---------------------------------------------------------

# The pages of a case or a child, of their report, and the lists that show them: requested again after the world's
# case A moved to commune B (tests/security/test_access_matrix.py). Commune A loses what was its case A (a 404), commune
# B gains it; the report of A stays commune A's and commune B may open it; nothing of child A shows in commune A's
# pages any more (its lists, its transfers page, the report).
MOVED_CASE_RULES = (
    "cases:case_detail",
    "cases:case_flag",
    "cases:case_unflag",
    "cases:case_act",
    "cases:case_comment",
    "cases:case_link",
    "cases:case_unlink",
    "cases:case_form_pdf",
    "cases:case_decision_pdf",
    "cases:attachment_upload",
    "cases:attachment_download",
    "cases:child_detail",
    "cases:child_edit",
    "referrals:referral_create",
    "referrals:referral_detail",
    "referrals:referral_letter",
    "referrals:referral_act",
)
MOVED_REPORT_RULES = ("cases:report_detail", "cases:report_form_pdf")
MOVED_LISTS = (
    "home",
    "caseload",
    "cases:case_list",
    "cases:case_export",
    "cases:child_list",
    "cases:child_export",
    "cases:report_list",
    "referrals:referral_list",
    "cases:transfer_list",
)
COMMUNE_A = frozenset({"officer_a", "chair_a"})


def _moved_case(roles: frozenset[str]) -> frozenset[str]:
    """Commune A's staff lose what was its case A; commune B's officer gains it (the others keep their reach)."""
    return (roles - COMMUNE_A) | {"officer_b"} if roles & COMMUNE_A else roles


def _moved_report(roles: frozenset[str]) -> frozenset[str]:
    return roles | {"officer_b"} if roles & COMMUNE_A else roles


MOVED_SEES = {"child A": _moved_case(SEES_CHILD["A"]), "report A's account": _moved_report(SEES_REPORT["A"])}


def after_the_move(name: str) -> Rule:
    """The rule of `name` once the world's case A is commune B's: who reaches its "A" targets, who may see child A."""
    rule = RULES[name]
    moved = _moved_case if name in MOVED_CASE_RULES else _moved_report if name in MOVED_REPORT_RULES else None
    targets = tuple(
        Target(t.label, t.kwargs, moved(t.reach), t.data, t.methods) if moved and t.label == "A" else t
        for t in rule.targets
    )
    return replace(rule, targets=targets, sees={**(rule.sees or {}), **MOVED_SEES})


def visibility_after_the_move(w: World) -> dict[tuple[type[models.Model], int], tuple[str, frozenset[str]]]:
    seen = visibility(w)
    moved: list[models.Model] = [w.cases["A"], w.children["A"], w.attachments["A"], w.referrals["A"]]
    for obj in moved:
        model = obj._meta.concrete_model
        assert model is not None
        key = (model, obj.pk)
        label, roles = seen[key]
        seen[key] = (label, _moved_case(roles))
    key = (Report, w.reports["A"].pk)
    seen[key] = (seen[key][0], _moved_report(seen[key][1]))
    return seen


# --- the leak checks ---------------------------------------------------------------------------------------------


def visibility(w: World) -> dict[tuple[type[models.Model], int], tuple[str, frozenset[str]]]:
    """Each object of the world, by (model, pk): its label and who may see it in a page."""
    seen: dict[tuple[type[models.Model], int], tuple[str, frozenset[str]]] = {}

    def add(obj: models.Model, label: str, roles: frozenset[str]) -> None:
        model = obj._meta.concrete_model
        assert model is not None
        seen[(model, obj.pk)] = (label, roles)

    for p in CASES:
        add(w.cases[p], f"case {p}", SEES_CHILD[p])
        add(w.children[p], f"child {p}", SEES_CHILD[p])
        add(w.attachments[p], f"attachment {p}", CASES[p])
        add(w.referrals[p], f"referral {p}", REFERRALS[p])
        add(w.periodic[p], f"periodic report {p}", PERIODIC[p])
        add(w.notifications[p], f"notification {p}", NOTIFICATIONS[p])
    for p in REPORTS:
        add(w.reports[p], f"report {p}", SEES_REPORT_RECORD[p])
    for p in JOBS:
        add(w.jobs[p], f"import job {p}", JOBS[p])
    for p in EXPORTS:
        add(w.exports[p], f"export job {p}", EXPORTS[p])
    # Deleted records: on the administrator's list of deleted records (Rule.shows_deleted), nowhere else.
    add(w.deleted["report"], "deleted report", NOBODY)
    add(w.deleted["case"], "deleted case", NOBODY)
    add(w.deleted["child"], "child D", STAFF_A)  # the child of a deleted report stays in the registry
    return seen


def marks() -> list[tuple[str, str, frozenset[str]]]:
    """(what, the text that shows it, who may see it) for every place."""
    found = [(f"child {p}", name, SEES_CHILD.get(p, STAFF_A)) for p, name in CHILD_NAMES.items()]  # D: commune A
    found += [(f"report {p}'s account", word, SEES_REPORT.get(p, NOBODY)) for p, word in DESCRIPTION_MARKS.items()]
    found += [(f"reporter of {p}", name, SEES_REPORTER.get(p, NOBODY)) for p, name in REPORTERS.items()]
    return found


TEXT_TYPES = (
    "text/html",
    "text/csv",
    "application/json",
    "text/plain",
    "application/vnd.oai.openapi",  # the API schema: YAML
    "text/javascript",  # the field app's service worker and the JavaScript catalog
    "application/javascript",
    "application/manifest+json",  # the field app's manifest
)


def context_values(response: Any) -> list[Any]:
    context = getattr(response, "context", None)
    if context is None:
        return []
    contexts = list(context) if isinstance(context, ContextList) else [context]
    values: dict[int, Any] = {}
    for ctx in contexts:
        layers = list(ctx) if isinstance(ctx, BaseContext) else [ctx]  # a context iterates over its layers
        for layer in layers:
            if isinstance(layer, dict):
                for value in layer.values():
                    values.setdefault(id(value), value)
    return list(values.values())


def _objects(value: Any, watched: set[type[models.Model]], depth: int = 0) -> Iterator[models.Model]:
    if depth > 3:
        return
    if isinstance(value, models.Model):
        yield value
    elif isinstance(value, models.QuerySet):
        if value.model._meta.concrete_model in watched:
            yield from (o for o in value[:500] if isinstance(o, models.Model))
    elif isinstance(value, Page):
        yield from _objects(value.object_list, watched, depth + 1)
    elif isinstance(value, list | tuple | set):
        for item in list(value)[:500]:
            yield from _objects(item, watched, depth + 1)
    elif isinstance(value, dict):
        for item in list(value.values())[:500]:
            yield from _objects(item, watched, depth + 1)


def leaks(response: Any, role: str, seen: Mapping[Any, tuple[str, frozenset[str]]], rule: Rule) -> list[str]:
    """What a 200 shows that `role` may not see: marked text in the body, the world's objects in the context."""
    if rule.shows_deleted and role == "admin":
        seen = {
            key: (label, roles | ADMIN if label.startswith("deleted") else roles)
            for key, (label, roles) in seen.items()
        }
    found: list[str] = []
    content_type = response.get("Content-Type", "")
    if content_type.startswith(TEXT_TYPES):
        # A streamed text body (the CSV exports) is read whole, as a client would.
        raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
        body = raw.decode("utf-8", errors="replace")
        found += [
            f"shows {what} ({text!r})"
            for what, text, roles in marks()
            if role not in rule.may_see(what, roles)
            and text in body
            and not (rule.shows_deleted and role == "admin" and "D" in what)
        ]
    watched = {model for model, _pk in seen}
    for value in context_values(response):
        for obj in _objects(value, watched):
            label, roles = seen.get((obj._meta.concrete_model, obj.pk), ("", EVERYONE))
            if role not in roles:
                found.append(f"has {label} in its context")
    return sorted(set(found))


# --- the database before and after -------------------------------------------------------------------------------

WATCHED_COLUMNS = ("version", "status", "state", "read_at", "deleted_at", "pdf_status", "confirmed", "is_active")


def snapshot() -> dict[str, Any]:
    """Row counts of every table (sessions aside) and the columns that record a change of state."""
    tables = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.db_table != "django_session"
    ]
    quote = connection.ops.quote_name
    # One query for every count; the names are the models' own tables, quoted.
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = cursor.fetchone()
    state: dict[str, Any] = {m._meta.label: n for m, n in zip(tables, counts, strict=True)}
    for model in tables:
        columns = [f.attname for f in model._meta.concrete_fields if f.name in WATCHED_COLUMNS]
        if columns:
            state[f"{model._meta.label} {'/'.join(columns)}"] = list(
                model._base_manager.order_by("pk").values_list("pk", *columns)
            )
    return state


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [key for key in before if before[key] != after.get(key)]


# --- the runner --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    name: str
    role: str
    target: str
    method: str
    expected: int
    got: int
    problem: str = ""

    def line(self) -> str:
        what = [f"expected {self.expected}, got {self.got}"] if self.expected else []
        where = f"{self.name:28} {self.role:18} {self.target:16} {self.method:6}"  # a role, or an API caller
        return f"{where} {'; '.join([*what, self.problem] if self.problem else what)}"


@dataclass
class Run:
    mismatches: list[Mismatch] = field(default_factory=list)
    requests: int = 0
    errors: list[str] = field(default_factory=list)  # every 500, anywhere
    outsider_changes: list[str] = field(default_factory=list)


LOGIN = reverse("login")


def login_client(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _request(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    return client.get(url) if method == "GET" else client.post(url, data)


def run_rule(name: str, rule: Rule, world: World, seen: Mapping[Any, Any] | None = None) -> Run:
    """Request `name` as every role on every target, with every method of the rule; collect what differs.

    Whatever the requests change (those inside reach may) is rolled back at the end: each rule meets the same world.
    """
    with transaction.atomic():
        run = _run_rule(name, rule, world, seen if seen is not None else visibility(world))
        transaction.set_rollback(True)
    return run


def _run_rule(name: str, rule: Rule, world: World, seen: Mapping[Any, Any]) -> Run:
    run = Run()
    for role in ROLES:
        client = login_client(world, role)
        plan = [(t, m) for t in rule.targets for m in rule.methods() if m in t.methods]
        # Outsiders first, the database watched around their requests; then those inside reach (who may change it).
        outside = [(t, m) for t, m in plan if role not in t.reach or (role == "anonymous" and not rule.anonymous)]
        inside = [step for step in plan if step not in outside]
        for group, watched in ((outside, True), (inside, False)):
            if not group:
                continue
            before = snapshot() if watched else None
            for target, method in group:
                kwargs = target.kwargs(world)
                url = reverse(name, kwargs=kwargs) + (f"?{rule.query}" if rule.query else "")
                data = target.data(world) if target.data and method == "POST" else {}
                response = _request(client, method, url, data)
                run.requests += 1
                expected = rule.expected(role, target, method)
                got = response.status_code
                problem = ""
                if got >= 500:
                    exc = getattr(response, "exc_info", None)
                    problem = f"server error: {exc[1]!r}" if exc else "server error"
                    run.errors.append(f"{method} {url} as {role}: {problem}")
                elif got == expected == 302 and role == "anonymous" and not rule.anonymous:
                    location = response.get("Location", "")
                    if not location.startswith(f"{LOGIN}?next="):
                        problem = f"sent to {location}, not to the login page"
                elif got == 200:
                    problem = "; ".join(leaks(response, role, seen, rule))
                if got != expected or problem:
                    run.mismatches.append(Mismatch(name, role, target.label, method, expected, got, problem))
            if before is not None:
                changed = changes(before, snapshot())
                if changed:
                    methods = sorted({m for _t, m in group})
                    problem = f"outsider's {'/'.join(methods)} changed {', '.join(changed)}"
                    run.outsider_changes.append(f"{name} as {role}: {problem}")
                    run.mismatches.append(Mismatch(name, role, "(outside)", "/".join(methods), 0, 0, problem))
    return run


def table(mismatches: Iterable[Mismatch]) -> str:
    return "\n".join(m.line() for m in mismatches)
