"""Bad input for every endpoint and method of the API, as a caller it lets in: never a 500, always the JSON error
shape of api/errors.py with a Vietnamese `detail`, and nothing written.

The endpoints come from the URL resolver and their fields and query parameters from the API's schema
(tests/support/api_fuzz.py), so a new endpoint is fuzzed as soon as it is routed; the bad inputs are a fixed,
seeded list (malformed and oversized bodies, wrong content types, a wrong value of every type in every field, bad
pages and filters, ids the converter refuses). A bad input is refused (4xx), or, for a read, ignored (200).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from django.test import override_settings

from api.models import ApiClient, IdempotentRequest
from cases.models import Case, Child, Report
from childprotect.audit.actions import ApiAction
from childprotect.audit.models import AuditEntry
from tests.support.api_fuzz import SEED, Endpoint, api_endpoints, body_at, cases_for, field_paths
from tests.support.api_matrix import error_shape, person_http

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

ENDPOINTS = api_endpoints()
VIEWS = ("case.view", "child.view", "report.view")  # a read that answers 200 records its view, as the web does


def written() -> dict[str, int]:
    return {
        "reports": Report._base_manager.count(),  # the hidden (deleted) ones too
        "children": Child._base_manager.count(),
        "cases": Case._base_manager.count(),
        "idempotent requests": IdempotentRequest.objects.count(),
        "audit entries": AuditEntry.objects.exclude(action=ApiAction.CALL).exclude(action__in=VIEWS).count(),
    }


@pytest.fixture
def callers(officer_a, hotline, client) -> dict[str, Any]:
    ApiClient.objects.filter(pk=hotline.client.pk).update(rate_limit=1_000_000)
    found = {"person": person_http(officer_a), "client": hotline.http(), "anyone": client}
    for http in found.values():
        http.raise_request_exception = False  # a 500 is counted, not raised
    return found


@pytest.fixture
def valid_kwargs(new_case) -> dict[str, dict[str, Any]]:
    """The endpoints' kwargs for records the caller reaches (the rest: a plausible id, a plausible word)."""
    case = new_case()
    return {
        "api:case_detail": {"pk": case.pk},
        "api:case_steps": {"pk": case.pk},  # received: no step of the field app may be taken, whatever is sent
        "api:child_detail": {"pk": case.child_id},
    }


def fill(route: str, kwargs: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[2]
        return str(kwargs.get(name, 1 if match[1] == "id" else "x"))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def test_every_endpoint_of_the_api_is_fuzzed():
    names = {e.name for e in ENDPOINTS}
    assert {"api:work", "api:case_list", "api:case_detail", "api:child_list", "api:child_detail"} <= names
    case_list = next(e for e in ENDPOINTS if e.name == "api:case_list")
    assert {"page", "page_size", "state", "overdue"} <= set(case_list.query["GET"])
    assert case_list.caller == "person"


def fuzz(endpoint: Endpoint, http: Any, path: str) -> tuple[list[str], int]:
    """Send the endpoint's bad requests; what went wrong with each, and how many were sent."""
    wrong = []
    cases = cases_for(endpoint, path, random.Random(f"{SEED}:{endpoint.name}"))  # noqa: S311  (a fixed order)
    for case in cases:
        send = getattr(http, case.method.lower())
        if case.body is None:
            response = send(case.path)
        else:
            response = send(case.path, data=case.body, content_type=case.content_type)
        status = response.status_code
        problem = ""
        if status >= 500:
            problem = "server error"
        elif status >= 400:
            problem = error_shape(response)
        elif case.method != "GET":
            problem = "bad input accepted"
        elif not response.get("Content-Type", "").startswith(("application/json", "application/vnd.oai", "text/html")):
            problem = f"answered {response.get('Content-Type')}"
        if problem:
            wrong.append(f"{case.label[:60]:60} {status} {problem}")
    return wrong, len(cases)


def test_the_fields_of_a_body_are_found_nested_and_each_gets_its_bad_values_alone():
    """A body's schema as drf-spectacular writes it (a list of objects by reference): every field, at every depth."""
    schema = {
        "components": {
            "schemas": {
                "ChildRequest": {"type": "object", "properties": {"full_name": {}, "date_of_birth": {}}},
            }
        }
    }
    body = {
        "type": "object",
        "properties": {
            "description": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/ChildRequest"}},
        },
    }

    paths = field_paths(schema, body)

    assert paths == [
        ("description",),
        ("children",),
        ("children", 0),
        ("children", 0, "full_name"),
        ("children", 0, "date_of_birth"),
    ]
    assert body_at(("children", 0, "date_of_birth"), None) == {"children": [{"date_of_birth": None}]}


@override_settings(CHILDPROTECT_API_PERSON_RATE=1_000_000)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_bad_input_is_refused_in_the_apis_words_and_writes_nothing(endpoint, callers, valid_kwargs):
    before = written()

    wrong, sent = fuzz(endpoint, callers[endpoint.caller], fill(endpoint.route, valid_kwargs.get(endpoint.name, {})))

    assert sent > 50
    assert not wrong, f"{endpoint.name}: {len(wrong)} of {sent}\n" + "\n".join(wrong)
    assert written() == before


def _query_unchecked(serializer: Any, request: Any) -> dict[str, Any]:
    """The query parameters read as they come, as a view without its query serializer would."""
    params = request.query_params
    return {"page": int(params.get("page", 1)), "page_size": int(params.get("page_size", 25)), "overdue": False}


@override_settings(CHILDPROTECT_API_PERSON_RATE=1_000_000)
def test_the_fuzz_fails_when_a_list_reads_its_parameters_unchecked(callers, monkeypatch):
    endpoint = next(e for e in ENDPOINTS if e.name == "api:case_list")
    monkeypatch.setattr("api.reading.views._query", _query_unchecked)

    wrong, _sent = fuzz(endpoint, callers["person"], fill(endpoint.route, {}))

    assert any("server error" in line for line in wrong), wrong


@override_settings(CHILDPROTECT_API_PERSON_RATE=1_000_000, ROOT_URLCONF="tests.support.fuzz_urls")
def test_the_fuzz_sends_bad_bodies_to_a_write_and_catches_one_that_reads_them_carelessly(callers):
    """Two throwaway writes (tests/support/fuzz_urls.py): the one reading its body through a serializer passes, the
    one reading it by hand answers 500s the fuzz reports."""
    endpoints = {e.name: e for e in api_endpoints()}
    careful, careless = endpoints["api:careful"], endpoints["api:careless"]
    assert careful.methods == ("POST",)
    assert careful.fields["POST"] == [("count",), ("name",)]

    passed, sent = fuzz(careful, callers["person"], "/api/v1/careful/")
    caught, _sent = fuzz(careless, callers["person"], "/api/v1/careless/")

    assert sent > 100
    assert passed == []
    assert any("server error" in line for line in caught), caught
