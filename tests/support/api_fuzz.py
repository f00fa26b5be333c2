"""Bad input for every endpoint of the API (tests/security/test_api_fuzz.py): a small, seeded, hand-written generator.

The endpoints and their methods come from the URL resolver (tests/support/api_matrix.py `api_patterns`), the fields of
their bodies and their query parameters from the API's own schema (drf-spectacular), so a new endpoint is fuzzed as
soon as it is routed. Each case is one request: a method, a path, a query string, a body (bytes) and its content type.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import AllowAny

from api.permissions import ClientOnly

from .api_matrix import api_patterns

SEED = 20261204
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
JSON = "application/json"


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str  # with its <converter:kwarg> parts
    methods: tuple[str, ...]  # the methods the view answers (the others: 405)
    caller: str  # "person", "client" or "anyone": who may call it (its permission classes)
    fields: dict[str, list[tuple[str | int, ...]]]  # method -> the paths of its body's fields, nested ones too
    query: dict[str, dict[str, Any]]  # method -> its query parameters' schemas (by name)


@dataclass(frozen=True)
class Case:
    label: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str = JSON


# --- the endpoints -----------------------------------------------------------------------------------------------


def _view_class(name: str) -> Any:
    from django.urls import get_resolver

    def walk(patterns: Any, namespace: str = "") -> Iterator[tuple[str, Any]]:
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
                yield from walk(entry.url_patterns, inner or namespace)
            else:
                yield f"{namespace}:{entry.name}" if namespace else str(entry.name), entry.callback

    for found, callback in walk(get_resolver().url_patterns):
        if found == name:
            return callback.cls
    raise LookupError(name)


def _caller(view: Any) -> str:
    classes = getattr(view, "permission_classes", [])
    if any(issubclass(c, ClientOnly) for c in classes):
        return "client"
    if all(issubclass(c, AllowAny) for c in classes):
        return "anyone"
    return "person"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def field_paths(
    schema: dict[str, Any], node: dict[str, Any], at: tuple[str | int, ...] = ()
) -> list[tuple[str | int, ...]]:
    """The path of every field of a body's schema: ("name",), and inside objects and lists ("children", 0, "sex")."""
    node = _resolve(schema, node)
    if len(at) > 6:
        return []
    if node.get("type") == "array" and "items" in node:  # the list itself, then one of its items
        return ([at] if at else []) + field_paths(schema, node["items"], (*at, 0))
    properties = node.get("properties")
    if not properties:
        return [at] if at else []
    found: list[tuple[str | int, ...]] = [at] if at else []
    for name, inner in properties.items():
        found += field_paths(schema, inner, (*at, name))
    return found


def body_at(path: tuple[str | int, ...], value: Any) -> Any:
    """A body with `value` at `path` and nothing else: {"children": [{"sex": value}]}."""
    for step in reversed(path):
        value = [value] if isinstance(step, int) else {step: value}
    return value


def _schema_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + ("id" if m[1] == "pk" else m[1]) + "}", route)


def api_endpoints() -> list[Endpoint]:
    """Every pattern under /api/v1/ with its methods, its caller and, from the schema, its bodies' fields and its
    query parameters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema.get("paths", {})
    found = []
    for name, pattern in sorted(api_patterns().items()):
        view = _view_class(name)
        methods = tuple(m.upper() for m in view.http_method_names if hasattr(view, m) and m.upper() in METHODS)
        operations = paths.get(_schema_path(pattern.route.replace("^", "")), {})
        fields: dict[str, list[tuple[str | int, ...]]] = {}
        query: dict[str, dict[str, Any]] = {}
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get(JSON, {}).get("schema")
            if body:
                fields[method.upper()] = field_paths(schema, body)
            query[method.upper()] = {
                p["name"]: p.get("schema", {}) for p in operation.get("parameters", []) if p.get("in") == "query"
            }
        found.append(Endpoint(name, pattern.route.replace("^", ""), methods, _caller(view), fields, query))
    return found


# --- the bad values ----------------------------------------------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = "fond"
    for _ in range(depth):
        value = {"a": [value]}
    return value


# Wrong for any field: each is sent in place of every declared field, one field at a time.
BAD_VALUES: list[tuple[str, Any]] = [
    ("a string", "không phải số"),
    ("an empty string", ""),
    ("a huge number", 10**40),
    ("a negative number", -(2**63) - 1),
    ("a float", 1e308),
    ("a boolean", True),
    ("null", None),
    ("a list", [1, "hai", None]),
    ("an object", {"x": 1}),
    ("a deep object", _nested(60)),
    ("a very long string", "Ă" * 70_000),
    ("control characters", "a\x00b\x07c\x1b[31m"),
    ("markup", "<script>alert(1)</script>"),
    ("a date that is none", "2026-02-30"),
]

# Bodies that are not what the endpoint reads, whatever its fields.
RAW_BODIES: list[tuple[str, bytes, str]] = [
    ("malformed JSON", b'{"a": ', JSON),
    ("empty body", b"", JSON),
    ("JSON null", b"null", JSON),
    ("a JSON list", b"[1, 2]", JSON),
    ("an empty object", b"{}", JSON),
    ("not UTF-8", b'{"a": "\xff\xfe"}', JSON),
    ("an invalid unicode escape", b'{"a": "\\uZZZZ"}', JSON),
    ("a lone surrogate", b'{"a": "\\ud800"}', JSON),
    ("nested past the decoder", b"[" * 100_000, JSON),
    ("over the size limit", b'{"a": "' + b"x" * (300 * 1024) + b'"}', JSON),
    ("wrong content type: text", b'{"a": 1}', "text/plain"),
    ("wrong content type: form", b"a=1&b=2", "application/x-www-form-urlencoded"),
    ("wrong content type: multipart", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    ("wrong content type: XML", b"<a>1</a>", "application/xml"),
]

# Query strings no list or detail should choke on.
BAD_QUERIES = [
    "page=-1",
    "page=0",
    "page=abc",
    f"page={10**12}",
    "page=1.5",
    "page_size=0",
    f"page_size={10**12}",
    "page=1&page=2&page=x",
    "unknown_filter=1",
    "state=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "overdue=maybe",
    "q=" + "a" * 5000,
    "q=%00%01",
    "q=%FF%FE",
    "q=%ud800",
    "sex[]=1",
]

# What the bad value of a query parameter of each schema type is.
BAD_PARAMETERS = ["abc", "-1", str(10**30), "%00", "<x>", "", "1e309"]

# Ids the `<id:...>` converter refuses: the catch-all's JSON 404 answers them.
BAD_IDS = ["0", "-1", str(2**63), str(10**30), "abc", "1.5"]


def _json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def cases_for(endpoint: Endpoint, path: str, rng: random.Random) -> list[Case]:
    """The bad requests for one endpoint (`path`: its route filled with valid kwargs), in a seeded order."""
    cases: list[Case] = []
    for method in METHODS:
        if method == "GET":
            continue
        for label, body, content_type in RAW_BODIES:
            cases.append(Case(f"{method} {label}", method, path, body, content_type))
    for method, paths in endpoint.fields.items():
        for field in paths:
            pointer = "/" + "/".join(str(step) for step in field)
            for label, value in BAD_VALUES:
                cases.append(Case(f"{method} {pointer}: {label}", method, path, _json(body_at(field, value))))
        everything = {str(f[0]): rng.choice(BAD_VALUES)[1] for f in paths if len(f) == 1}
        cases.append(Case(f"{method} every field wrong", method, path, _json(everything)))
    for query in BAD_QUERIES:
        cases.append(Case(f"GET ?{query[:30]}", "GET", f"{path}?{query}"))
    for method, parameters in endpoint.query.items():
        for name in parameters:
            for value in BAD_PARAMETERS:
                cases.append(Case(f"{method} ?{name}={value[:12]}", method, f"{path}?{name}={value}"))
    if re.search(r"<id:\w+>", endpoint.route):
        for bad in BAD_IDS:
            bad_path = "/" + re.sub(r"<id:\w+>", bad, endpoint.route)
            bad_path = re.sub(r"<(?:\w+:)?\w+>", "1", bad_path)
            cases.append(Case(f"GET id {bad[:12]}", "GET", bad_path))
    rng.shuffle(cases)
    return cases
