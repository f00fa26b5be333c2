"""Saved searches: which filters each list keeps, whether saved ones still mean something, and their counts now.

A saved search holds a list's own query keys and values; it is read again each time through the list's own form
and selector (so the user's reach applies, and a commune removed or a step renamed is found, never trusted). The
home page shows each with its count: all the counts in one query (a scalar COUNT subquery per saved search, each the
list's own selector), whatever the number of saved searches up to SAVED_SEARCH_CAP; reading a filter that names a
commune or an officer looks it up, as the list does (a query each). The count of an invalid one is not read.
See docs/architecture.md#saved-searches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases.forms import (
    CASE_FILTER_KEYS,
    ChildFilterForm,
    ReportFilterForm,
    case_filter_problems,
    case_filters,
    child_filters,
    report_filters,
)
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_use_registry
from childprotect.core.models import SavedList, SavedSearch
from referrals import selectors as referral_selectors
from referrals.forms import ReferralFilterForm, referral_filters

VALUE_MAX = 200


def _form_problems(form: Any) -> list[str]:
    if form.is_valid():
        return []
    return [
        f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
        for k, v in form.errors.items()
    ]


def _count_of(rows: QuerySet[Any]) -> Coalesce:
    """The number of `rows` as a scalar subquery (SELECT COUNT(id) FROM ... WHERE ...), 0 when there are none."""
    counted = rows.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class ListSpec:
    url: str
    keys: tuple[str, ...]
    allowed: Callable[[User], bool]
    problems: Callable[[QueryDict], list[str]]
    rows: Callable[[User, QueryDict], QuerySet[Any]]  # the list's rows as its selector reads them


def _anyone(user: User) -> bool:
    return True


LISTS: dict[str, ListSpec] = {
    SavedList.CASES: ListSpec(
        url="cases:case_list",
        keys=tuple(k for k in CASE_FILTER_KEYS if k != "ids"),
        allowed=can_use_registry,
        problems=case_filter_problems,
        rows=lambda user, q: case_selectors.cases_list(user, case_filters(q)),
    ),
    SavedList.CHILDREN: ListSpec(
        url="cases:child_list",
        keys=tuple(ChildFilterForm.base_fields),
        allowed=can_use_registry,
        problems=lambda q: _form_problems(ChildFilterForm(q)),
        rows=lambda user, q: case_selectors.children_list(user, child_filters(ChildFilterForm(q))),
    ),
    SavedList.REPORTS: ListSpec(
        url="cases:report_list",
        keys=tuple(ReportFilterForm.base_fields),
        allowed=_anyone,
        problems=lambda q: _form_problems(ReportFilterForm(q)),
        rows=lambda user, q: case_selectors.reports_list(user, report_filters(ReportFilterForm(q))),
    ),
    SavedList.REFERRALS: ListSpec(
        url="referrals:referral_list",
        keys=tuple(ReferralFilterForm.base_fields),
        allowed=_anyone,
        problems=lambda q: _form_problems(ReferralFilterForm(q)),
        rows=lambda user, q: referral_selectors.referrals_list(user, referral_filters(ReferralFilterForm(q))),
    ),
}


def kept_query(list_name: str, query: Mapping[str, Any]) -> dict[str, str]:
    """The list's own filter keys of a query (the list page's query string), first value each, blanks dropped."""
    spec = LISTS[list_name]
    given = query if isinstance(query, QueryDict) else QueryDict(mutable=True)
    if not isinstance(query, QueryDict):
        for k, v in query.items():
            given[k] = str(v)
    return {k: given.get(k, "").strip()[:VALUE_MAX] for k in spec.keys if given.get(k, "").strip()}


def _as_query(values: Mapping[str, Any]) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in values.items():
        query[str(key)] = str(value)
    return query


def list_url(search: SavedSearch) -> str:
    spec = LISTS.get(search.list_name)
    if spec is None:
        return reverse("home")
    values = search.query if isinstance(search.query, dict) else {}
    return reverse(spec.url) + (f"?{urlencode(values)}" if values else "")


@dataclass(frozen=True)
class SavedRow:
    search: SavedSearch
    url: str
    count: int | None  # None: the filters no longer mean anything (`problems`)
    problems: list[str]


def saved_search_rows(user: User) -> list[SavedRow]:
    """The user's saved searches with their counts now, through the lists' forms and selectors (their reach): the
    saved searches in one query, all their counts in one more."""
    found: list[tuple[SavedSearch, str, list[str]]] = []
    counts: dict[str, Coalesce] = {}
    for search in SavedSearch.objects.filter(user=user):
        spec = LISTS.get(search.list_name)
        values = search.query if isinstance(search.query, dict) else None
        if spec is None or values is None or not spec.allowed(user):
            found.append((search, reverse("home"), [_("Danh sách này không còn dùng được.")]))
            continue
        query = _as_query(values)
        unknown = sorted(set(values) - set(spec.keys))
        problems = [_("Bộ lọc “%(k)s” không còn tồn tại.") % {"k": k[:40]} for k in unknown] + spec.problems(query)
        if not problems:
            counts[f"n{search.pk}"] = _count_of(spec.rows(user, query))
        found.append((search, list_url(search), problems))
    numbers = User.objects.filter(pk=user.pk).values("pk").annotate(**counts).first() if counts else None
    return [
        SavedRow(search, url, None if problems else (numbers or {}).get(f"n{search.pk}"), problems)
        for search, url, problems in found
    ]
