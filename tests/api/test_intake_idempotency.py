"""`Idempotency-Key` on report intake (docs/api.md#idempotency): a retry gets the first answer back and creates
nothing; the same key with another body is a 409; a refused request keeps no record, so the corrected one may reuse
the key; keys are per account; two requests with one key at the same moment make one report."""

from __future__ import annotations

import datetime as dt

import pytest

from api.models import IdempotentRequest
from cases.models import Report
from tests.support.concurrency import race, race_db
from tests.support.intake import REPORTS, child_body, incident, report_body, written

pytestmark = pytest.mark.usefixtures("clock", "eager_celery")

KEY = "111-2026-11-20-0001"


@pytest.mark.django_db
def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_creates_nothing(hotline, officer_a, chair_a):
    first = hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)
    after_first = written()
    # The same content in another order and spacing is the same body.
    reordered = dict(reversed(list(report_body().items())))

    again = hotline.call("post", REPORTS, reordered, HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again["Location"] == first["Location"]
    assert Report.objects.count() == 1
    assert written() == after_first
    stored = IdempotentRequest.objects.get(key=KEY)
    assert (stored.account, stored.status_code, stored.response) == (hotline.client.account, 201, first.json())


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_conflict(hotline):
    hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)
    before = written()

    response = hotline.call("post", REPORTS, report_body(incident=incident(commune="14758")), HTTP_IDEMPOTENCY_KEY=KEY)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Mã Idempotency-Key này đã được dùng cho một yêu cầu có nội dung khác. Mỗi yêu cầu mới cần một mã "
        "mới; gửi lại đúng nội dung cũ để nhận lại kết quả lần trước.",
        "errors": [],
    }
    assert written() == before


@pytest.mark.django_db
def test_a_refused_request_keeps_no_record_and_the_corrected_one_uses_the_key(hotline):
    wrong = report_body(children=[child_body(date_of_birth="2010-01-01")])

    refused = hotline.call("post", REPORTS, wrong, HTTP_IDEMPOTENCY_KEY=KEY)
    corrected = hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)

    assert refused.status_code == 400
    assert corrected.status_code == 201, corrected.json()
    assert "Idempotent-Replayed" not in corrected
    assert Report.objects.count() == 1
    assert IdempotentRequest.objects.get(key=KEY).response == corrected.json()


@pytest.mark.django_db
def test_keys_are_per_account(hotline, police_api):
    mine = hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)
    theirs = police_api.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert Report.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Tiêu đề Idempotency-Key không được để trống (hoặc đừng gửi tiêu đề này)."),
        ("k" * 201, "Tiêu đề Idempotency-Key dài tối đa 200 ký tự (đang có 201)."),
    ],
    ids=["empty", "too long"],
)
def test_an_empty_or_too_long_key_is_refused(hotline, key, message):
    before = written()

    response = hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json() == {"detail": message, "errors": []}
    assert written() == before


@pytest.mark.django_db
def test_a_key_of_200_characters_is_kept(hotline):
    response = hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY="k" * 200)

    assert response.status_code == 201
    assert IdempotentRequest.objects.filter(key="k" * 200).exists()


@race_db
@pytest.mark.usefixtures("data_put_back")
def test_two_requests_with_one_key_at_the_same_moment_make_one_report(hotline, officer_a, chair_a):
    for n in range(3):
        key, body = f"{KEY}-{n}", report_body(incident=incident(place=f"Tổ dân phố {n}"))
        before = Report.objects.count()

        results = race(
            lambda key=key, body=body: hotline.call("post", REPORTS, body, HTTP_IDEMPOTENCY_KEY=key),
            lambda key=key, body=body: hotline.call("post", REPORTS, body, HTTP_IDEMPOTENCY_KEY=key),
        )

        assert all(not isinstance(r, BaseException) for r in results), results
        assert [r.status_code for r in results] == [201, 201]
        assert results[0].json() == results[1].json()
        assert sorted(r.get("Idempotent-Replayed", "") for r in results) == ["", "true"]
        assert Report.objects.count() == before + 1
        assert IdempotentRequest.objects.filter(key=key).count() == 1


def test_an_answer_is_kept_for_its_retries_then_forgotten_and_the_key_is_new_again(hotline, clock, settings):
    from api.tasks import idempotency_keys_expire

    settings.CHILDPROTECT_API_IDEMPOTENCY_DAYS = 20  # within the life of the test client's token (30 days)
    hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)
    clock.shift(dt.timedelta(days=19))

    assert idempotency_keys_expire() == 0
    retried = hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)
    assert retried.headers.get("Idempotent-Replayed") == "true" and Report.objects.count() == 1

    clock.shift(dt.timedelta(days=2))
    assert idempotency_keys_expire() == 1
    late = hotline.call("post", REPORTS, report_body(), HTTP_IDEMPOTENCY_KEY=KEY)
    assert late.status_code == 201 and "Idempotent-Replayed" not in late.headers
    assert Report.objects.count() == 2
