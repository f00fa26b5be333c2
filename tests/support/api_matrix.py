"""The API's access matrix (tests/security/test_api_matrix.py runs it): every URL pattern under /api/v1/, requested as
every person of the cast by session, as every API client of the cast by its token, and anonymously, on the objects
of the world (tests/support/world.py) inside and outside each caller's reach.

A rule says, for each caller, the status of each method; a caller the endpoint refuses before looking anything up
(401 without a way in, 403 for the wrong kind of caller, 405 for a method it has not) gets that status whatever the
object; any other caller outside the object's reach gets the API's 404. Every 200 is searched for what the caller may
not see: the marks of the world (children's names, reporters' names, words of the reports' accounts) and the
children's protected data (NĐ 56 Đ33). A request from outside reach (or refused) must leave the database as it was,
the audit entry of the call itself (`api.call`) aside.

A new endpoint needs one entry in API_RULES (see the docs/api.md#reading note on the matrix): its statuses by caller
(`people(...)`, `clients(...)`, `callers(...)`), its targets if its URL names an object (`on(...)` with the reach of
each place, or `sent(...)` for the reports each client sent), its methods, and a body for the writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ClientKind
from cases.models import Environment, Report, ReportType, Term, TermKind
from cases.services import ReportData, report_receive
from childprotect.audit.actions import ApiAction
from childprotect.audit.models import AuditEntry

from .api import Caller, caller
from .matrix import (
    ADMIN,
    CASES,
    LOGGED_IN,
    NOBODY,
    SEES_CHILD,
    SEES_REPORT,
    STAFF_A,
    Mismatch,
    Pattern,
    Run,
    _walk,
    changes,
    marks,
    snapshot,
)
from .world import PROTECTED, World

API_PREFIX = "api/v1/"

# --- the patterns ------------------------------------------------------------------------------------------------


def api_patterns() -> dict[str, Pattern]:
    """Every pattern under /api/v1/ by its reverse name (the web matrix leaves them to this one)."""
    from django.urls import get_resolver

    return {p.name: p for p in _walk(get_resolver().url_patterns) if p.route.replace("^", "").startswith(API_PREFIX)}


# --- the callers -------------------------------------------------------------------------------------------------

PEOPLE = LOGGED_IN  # the cast by session: officer_a, chair_a, officer_b, supervisor, police, admin
CLIENTS = ("hotline", "police_api", "other_province_api")  # by token (tests/support/api.py)
CALLERS = ("anonymous", *PEOPLE, *CLIENTS)

# Who each client is, and the report each sends (in its scope): the targets of the endpoints about what a client sent.
CLIENT_CAST = {
    "hotline": ("Tổng đài 111", ClientKind.HOTLINE, None, "A"),  # the whole country; sends for commune A
    "police_api": ("Công an tỉnh Thanh Hóa", ClientKind.POLICE, "P", "B"),  # the province of A and B; sends for B
    "other_province_api": ("Công an xã X", ClientKind.POLICE, "X", "X"),  # commune X only
}
SENT_MARKS = {name: f"dấu-hiệu-gửi-{i}" for i, name in enumerate(CLIENTS)}  # each sent report's account


@dataclass
class ApiCast:
    clients: dict[str, Caller] = field(default_factory=dict)
    sent: dict[str, Report] = field(default_factory=dict)  # by client: the report it sent


def build_api_cast(world: World) -> ApiCast:
    """The API clients of the cast, registered by the world's administrator, each with a token and one report sent."""
    cast = ApiCast()
    channel = Term.objects.get(kind=TermKind.CHANNEL, code="phone")
    for name, (label, kind, scope, place) in CLIENT_CAST.items():
        client = caller(world.users["admin"], label, kind, world.units[scope] if scope else None)
        cast.clients[name] = client
        cast.sent[name] = report_receive(
            actor=client.client.account,
            data=ReportData(
                report_type=ReportType.NOTIFICATION,
                channel=channel,
                received_at=world.reports["A"].received_at + dt.timedelta(hours=1),
                description=f"Tin báo qua hệ thống đối tác ({SENT_MARKS[name]}).",
                environment=Environment.FAMILY,
                incident_unit=world.units[place],
                forms=["violence"],
                reporter_name="",
                reporter_phone="",
            ),
        )
    return cast


def http_for(caller_name: str, world: World, cast: ApiCast) -> Client:
    """A client for the caller: a person signed in (session), a client's token, or nobody."""
    if caller_name in CLIENTS:
        return cast.clients[caller_name].http()
    http = APIClient(raise_request_exception=False)
    if caller_name != "anonymous":
        http.force_login(world.users[caller_name])
    return http


# --- statuses ----------------------------------------------------------------------------------------------------


def callers(default: int, **named: int) -> dict[str, int]:
    """A status for every caller but the anonymous one (ApiRule.anonymous), `default` unless named."""
    unknown = set(named) - set(CALLERS[1:])
    assert not unknown, f"not in the cast: {unknown}"
    return {c: named.get(c, default) for c in CALLERS[1:]}


def people(status: int, **named: int) -> dict[str, int]:
    """Persons' endpoints (api.permissions.PersonOnly): `status` for the cast, 403 for every API client."""
    return callers(status, **{c: 403 for c in CLIENTS}, **named)


def clients(status: int, **named: int) -> dict[str, int]:
    """Clients' endpoints (api.permissions.ClientOnly): `status` for the clients, 403 for every person."""
    return callers(status, **{c: 403 for c in PEOPLE}, **named)


REFUSED_FIRST = (401, 403, 405)  # said before anything is looked up: the object does not matter
ANYONE = frozenset(CALLERS)


@dataclass(frozen=True)
class ApiTarget:
    """One way to fill a pattern: an object of the world (or one a client sent) and who reaches it."""

    label: str
    kwargs: Callable[..., dict[str, Any]]  # (world, cast); `...`: the lambdas bind their loop variable as a default
    reach: frozenset[str]


NO_OBJECT = ApiTarget("-", lambda w, c: {}, ANYONE)


def places(
    reach: Mapping[str, frozenset[str]], kwargs: Callable[[World, str], dict[str, Any]]
) -> tuple[ApiTarget, ...]:
    """One target per place of a reach table (the world's objects of commune A, B, Hà Nội...)."""
    return tuple(ApiTarget(p, (lambda w, c, p=p: kwargs(w, p)), roles) for p, roles in reach.items())


def sent(kwargs: Callable[[Report], dict[str, Any]], **reach: frozenset[str]) -> tuple[ApiTarget, ...]:
    """One target per client: the report it sent (ApiCast.sent), reached by that client alone unless `reach` says
    more (by client name)."""
    return tuple(
        ApiTarget(f"sent by {n}", (lambda w, c, n=n: kwargs(c.sent[n])), reach.get(n, frozenset({n}))) for n in CLIENTS
    )


@dataclass(frozen=True)
class ApiRule:
    statuses: Mapping[str, Mapping[str, int]]  # method -> caller -> status (inside reach)
    targets: tuple[ApiTarget, ...] = (NO_OBJECT,)
    anonymous: int = 401
    query: str = ""
    body: Callable[[World, ApiCast], Any] | None = None  # what a POST sends
    public: bool = False  # the API's description: open to everyone, no JSON error shape to check
    note: str = ""
    sees: Mapping[str, frozenset[str]] | None = None  # who may see a mark (api_marks()' "what") here, if not the usual

    def expected(self, caller_name: str, target: ApiTarget, method: str) -> int:
        if caller_name == "anonymous":
            return self.anonymous
        status = self.statuses[method][caller_name]
        if status in REFUSED_FIRST or caller_name in target.reach:
            return status
        return 404


def get(table: Mapping[str, int]) -> dict[str, Mapping[str, int]]:
    return {"GET": table}


# Who reaches each place's case or child through the API: the web's registry (partners have none: 404, as on the web).
REGISTRY = {"A": STAFF_A, "B": CASES["B"], "X": ADMIN}
# Who may see a child's protected data (NĐ 56 Đ33) in an answer: the caseworkers and administrators who reach it.
SEES_PROTECTED = CASES

API_RULES: dict[str, ApiRule] = {
    # --- the API's description: public ---------------------------------------------------------------------------
    "api:schema": ApiRule(get(callers(200)), anonymous=200, public=True, note="the OpenAPI description"),
    "api:docs": ApiRule(get(callers(200)), anonymous=200, public=True, note="Swagger UI over the schema"),
    # --- reading (docs/api.md#reading): persons only; partners have no registry ------------------------------------
    "api:work": ApiRule(get(people(200)), note="the person's own queue: police sees the referral of A"),
    "api:case_list": ApiRule(get(people(200, police=404))),
    "api:case_detail": ApiRule(
        get(people(200, police=404)),
        targets=(
            *places(REGISTRY, lambda w, p: {"pk": w.cases[p].pk}),
            ApiTarget("deleted", lambda w, c: {"pk": w.deleted["case"].pk}, NOBODY),
        ),
    ),
    # GET: the list; POST: register a child (api/field.py), an empty body a 400 for whoever registers children
    # (partners have no registry: 404; the administrator registers none: 403).
    "api:child_list": ApiRule(
        {"GET": people(200, police=404), "POST": people(400, police=404, admin=403)},
        query="q=a",
        body=lambda w, c: {},
    ),
    "api:child_detail": ApiRule(
        get(people(200, police=404)),
        targets=(
            *places(REGISTRY, lambda w, p: {"pk": w.children[p].pk}),
            ApiTarget("D", lambda w, c: {"pk": w.deleted["child"].pk}, STAFF_A),  # the child of a deleted report stays
        ),
    ),
    # --- other systems and the field app: who the caller is, report intake and its status ---------------------------
    "api:me": ApiRule(get(callers(200)), note="who is calling: a client or a person"),
    # Whoever logs reports (the administrator does not: 403 before the method is looked at); an empty body is a 400.
    "api:report_create": ApiRule(
        {"GET": callers(405, admin=403), "POST": callers(400, admin=403)}, body=lambda w, c: {}
    ),
    # The offline field app (docs/api.md#the-field-app): persons only; the bootstrap is the person's own.
    "api:field": ApiRule(get(people(200)), note="the field app's bootstrap: settings, vocabularies, reach"),
    # A step on a case in reach; an empty body is a 400 (nothing written); the partner has no registry (404).
    "api:case_steps": ApiRule(
        {"GET": people(405), "POST": people(400, police=404)},
        targets=(
            *places(REGISTRY, lambda w, p: {"pk": w.cases[p].pk}),
            ApiTarget("deleted", lambda w, c: {"pk": w.deleted["case"].pk}, NOBODY),
        ),
        body=lambda w, c: {},
    ),
    # The sender alone; the same 404 for anyone else as for a reference that does not exist.
    "api:report_status": ApiRule(get(callers(200)), targets=sent(lambda r: {"reference": r.reference})),
    # Any other address under /api/v1/ (api/reading/missing.py): the same JSON 404 for everyone, signed in or not.
    "api:missing": ApiRule(get(callers(404)), anonymous=404),
}


# --- after a transfer: the world's case A moved to commune B ---------------------------------------------------------

# The endpoints that show a case or a child, requested again once the world's case A is commune B's (the web matrix's
# MOVED_* lists, for the API): commune A's staff lose the case and the child, commune B's officer gains them.
MOVED = ("api:work", "api:case_list", "api:case_detail", "api:case_steps", "api:child_list", "api:child_detail")
COMMUNE_A = frozenset({"officer_a", "chair_a"})


def _moved(roles: frozenset[str]) -> frozenset[str]:
    return (roles - COMMUNE_A) | {"officer_b"} if roles & COMMUNE_A else roles


def after_the_move(name: str) -> ApiRule:
    rule = API_RULES[name]
    targets = tuple(replace(t, reach=_moved(t.reach)) if t.label == "A" else t for t in rule.targets)
    sees = {
        "child A": _moved(SEES_CHILD["A"]),
        "child A's protected data": _moved(SEES_PROTECTED["A"]),
        "report A's account": SEES_REPORT["A"] | {"officer_b"},  # the report of a case one's commune holds
    }
    return replace(rule, targets=targets, sees=sees)


def url_of(name: str, kwargs: dict[str, Any]) -> str:
    if name == "api:missing":
        return "/api/v1/no-such-endpoint/"  # the catch-all has no kwargs to reverse with
    return reverse(name, kwargs=kwargs)


# --- what a 200 may not show -------------------------------------------------------------------------------------


def api_marks() -> list[tuple[str, str, frozenset[str]]]:
    """The web matrix's marks (children's and reporters' names, words of the reports' accounts) and the children's
    protected data, with who may see each."""
    found = marks()
    for place, values in PROTECTED.items():
        found += [(f"child {place}'s protected data", value, SEES_PROTECTED[place]) for value in values]
    found += [(f"the account {name} sent", word, NOBODY) for name, word in SENT_MARKS.items()]
    return found


def leaks(body: str, caller_name: str, sees: Mapping[str, frozenset[str]] | None = None) -> list[str]:
    return sorted(
        {
            f"shows {what} ({text!r})"
            for what, text, roles in api_marks()
            if caller_name not in (sees or {}).get(what, roles) and text in body
        }
    )


# --- the database before and after -------------------------------------------------------------------------------


def state() -> dict[str, Any]:
    """The web matrix's snapshot, the audit counted without the entries of the calls themselves (`api.call`)."""
    found = snapshot()
    found[AuditEntry._meta.label] = AuditEntry.objects.exclude(action=ApiAction.CALL).count()
    return found


# --- the runner --------------------------------------------------------------------------------------------------


def error_shape(response: Any) -> str:
    """What is wrong with an error's body, if anything (api/errors.py: detail, and a list of pointers)."""
    try:
        body = response.json()
    except ValueError:
        return f"not JSON ({response.get('Content-Type', '')})"
    # The field app's refusals add a "code" (docs/api.md#the-field-app), and a conflict the record as it stands.
    extra = set(body) - {"detail", "errors"} if isinstance(body, dict) else set()
    allowed = {"code", "case"} if isinstance(body, dict) and body.get("code") == "conflict" else {"code"}
    if not isinstance(body, dict) or not {"detail", "errors"} <= set(body) or not extra <= allowed:
        return f"not the error shape: {str(body)[:80]}"
    if "code" in body and body["code"] not in ("invalid", "refused", "conflict"):
        return f"an unknown code: {body['code']!r}"
    if not isinstance(body["errors"], list) or not all(set(e) == {"pointer", "message"} for e in body["errors"]):
        return f"errors not pointers: {str(body['errors'])[:80]}"
    if not vietnamese(body["detail"]):
        return f"detail not in Vietnamese: {body['detail']!r}"
    return ""


VIETNAMESE_LETTERS = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def vietnamese(text: Any) -> bool:
    """Written in Vietnamese: a string with at least one letter only Vietnamese uses (English has none)."""
    return isinstance(text, str) and bool(VIETNAMESE_LETTERS & set(text.lower()))


def _send(http: Client, method: str, url: str, body: Any) -> Any:
    if method == "GET":
        return http.get(url)
    return getattr(http, method.lower())(url, body, content_type="application/json")


def run_api_rule(name: str, rule: ApiRule, world: World, cast: ApiCast) -> Run:
    """Request `name` as every caller on every target with every method of the rule; collect what differs. What the
    requests change is rolled back at the end: each rule meets the same world."""
    with transaction.atomic():
        run = _run(name, rule, world, cast)
        transaction.set_rollback(True)
    return run


def _steps(rule: ApiRule) -> Iterator[tuple[ApiTarget, str]]:
    for target in rule.targets:
        for method in rule.statuses:
            yield target, method


def _run(name: str, rule: ApiRule, world: World, cast: ApiCast) -> Run:
    run = Run()
    for caller_name in CALLERS:
        http = http_for(caller_name, world, cast)
        plan = list(_steps(rule))
        # Those refused or outside reach first, the database watched around their requests; then those inside.
        outside = [(t, m) for t, m in plan if rule.expected(caller_name, t, m) != rule.statuses[m].get(caller_name)]
        outside += [(t, m) for t, m in plan if caller_name != "anonymous" and rule.statuses[m][caller_name] >= 400]
        outside = list(dict.fromkeys(outside))
        inside = [step for step in plan if step not in outside]
        for group, watched in ((outside, True), (inside, False)):
            if not group:
                continue
            before = state() if watched else None
            for target, method in group:
                url = url_of(name, target.kwargs(world, cast)) + (f"?{rule.query}" if rule.query else "")
                body = rule.body(world, cast) if rule.body and method != "GET" else None
                response = _send(http, method, url, body)
                run.requests += 1
                expected, got = rule.expected(caller_name, target, method), response.status_code
                problem = ""
                if got >= 500:
                    problem = "server error"
                elif got >= 400:
                    problem = error_shape(response)
                elif not rule.public:
                    problem = "; ".join(leaks(response.content.decode("utf-8", "replace"), caller_name, rule.sees))
                if got != expected or problem:
                    run.mismatches.append(Mismatch(name, caller_name, target.label, method, expected, got, problem))
            if before is not None:
                changed = changes(before, state())
                if changed:
                    problem = f"changed {', '.join(changed)}"
                    run.mismatches.append(Mismatch(name, caller_name, "(outside)", "", 0, 0, problem))
    return run


def person_http(user: Any) -> APIClient:
    """A DRF test client calling with `user`'s own token (api.services.token_issue, issued by themselves)."""
    from api.services import token_issue

    _token, plain = token_issue(actor=user, account=user, label="ứng dụng", days=30)
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return http
