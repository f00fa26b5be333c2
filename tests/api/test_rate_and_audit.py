"""The rate limit per client (api/throttles.py), one audit entry per call (api/base.py), and tokens kept only as
digests (api/tokens.py)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from api.models import ApiClient, ApiToken, ClientKind
from api.tokens import digest
from childprotect.audit.models import AuditEntry
from tests.support.api import caller
from tests.support.clock import NOW
from tests.support.concurrency import race, race_db

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

ME = "/api/v1/me/"


def test_a_client_over_its_rate_gets_429_with_retry_after_and_others_are_not_affected(administrator, hotline, clock):
    slow = caller(administrator, "Hệ thống thử nghiệm", ClientKind.OTHER, None, rate_limit=3)

    statuses = [slow.call("GET", ME).status_code for _ in range(3)]
    refused = slow.call("GET", ME)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"] == []
    assert refused.json()["detail"].startswith("Quá số yêu cầu cho phép")
    assert hotline.call("GET", ME).status_code == 200  # its own window, its own rate

    clock.move_to(NOW + dt.timedelta(seconds=61))
    assert slow.call("GET", ME).status_code == 200


def test_a_lower_rate_set_on_the_client_applies_at_once(administrator, police_api):
    ApiClient.objects.filter(pk=police_api.client.pk).update(rate_limit=1)

    assert [police_api.call("GET", ME).status_code for _ in range(2)] == [200, 429]


def api_calls():
    return AuditEntry.objects.filter(action="api.call").order_by("pk")


def test_every_call_is_one_audit_entry_naming_the_client_and_the_token(police_api, hotline):
    before = api_calls().count()

    police_api.call("GET", ME)
    APIClient().get(ME, HTTP_AUTHORIZATION="Bearer cpk_unknown")  # an unknown token: refused, no one named
    hotline.call("GET", ME)

    first, refused, third = api_calls()[before:]
    assert (first.actor, first.object_repr) == (police_api.client.account, "Công an tỉnh Thanh Hóa")
    assert first.changes == {"method": "GET", "path": ME, "status": 200, "token": police_api.token.prefix}
    assert (refused.actor, refused.object_repr, refused.changes["status"]) == (None, "", 401)
    assert (third.actor, third.object_repr) == (hotline.client.account, "Tổng đài 111")


def test_a_refused_rate_is_audited_too(administrator):
    slow = caller(administrator, "Hệ thống thử nghiệm", ClientKind.OTHER, None, rate_limit=1)
    before = api_calls().count()

    slow.call("GET", ME)
    slow.call("GET", ME)

    assert [e.changes["status"] for e in api_calls()[before:]] == [200, 429]


def test_tokens_are_stored_only_as_their_digests(police_api, hotline, officer_a):
    police_api.call("GET", ME)
    hotline.call("GET", ME)
    plains = [police_api.plain, hotline.plain]

    rows = json.dumps(list(ApiToken.objects.values()), default=str)
    audit = json.dumps([(e.object_repr, e.changes) for e in AuditEntry.objects.all()], default=str)
    dump = io.StringIO()
    call_command("dumpdata", "api", "audit", "accounts", "sessions", stdout=dump)

    for plain in plains:
        assert plain.startswith("cpk_") and len(plain) > 40
        assert plain not in rows and plain not in audit and plain not in dump.getvalue()
        assert plain[12:] not in dump.getvalue()  # nor any part beyond the prefix shown in lists
    assert set(ApiToken.objects.values_list("digest", flat=True)) == {digest(p) for p in plains}


@race_db
def test_requests_arriving_together_are_each_counted(administrator):
    """Twelve calls at once under a limit of five: five answered, seven refused (a count read and written back
    without the cache's increment would let more through, as `benchmark api` measured)."""
    burst = caller(administrator, "Hệ thống gửi dồn", ClientKind.OTHER, None, rate_limit=5)

    statuses = race(*[lambda: burst.call("GET", ME).status_code for _ in range(12)])

    assert sorted(statuses) == [200] * 5 + [429] * 7
