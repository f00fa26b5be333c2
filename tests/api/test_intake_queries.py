"""Report intake at a pinned number of queries (docs/api.md#intake): a report with two children sent with an
`Idempotency-Key`, so that a query added per child, per field or per call fails here with the list of queries run.

The call: the token and its client (read once for the authentication, the rate limit and the audit), the key looked
up, the channel and the commune read. Then one transaction: the key claimed; the report (its reference, forms, audit
entry, the commune's staff, their two notifications and the planning of their messages: the notifications with their
recipients, the recipients' choices of channels) and the sender's webhook looked up for `report.received`; per
child (30) the child and its audit entry, the link and its entry, the case with its officer, two deadlines (the
working days' holidays), the next due date, the opening step and its entry, and the sender's webhook looked up for
`case.opened`; the status (cases, last steps) written on the key. Last, the call's own audit entry.
"""

from __future__ import annotations

import pytest

from tests.support.intake import REPORTS, child_body, report_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

TWO_CHILDREN = 94


def test_a_report_with_two_children_runs_a_pinned_number_of_queries(
    hotline, officer_a, chair_a, django_assert_num_queries
):
    children = [child_body(), child_body("Nguyễn Thị Bé", sex="female", date_of_birth="2017-06-01")]
    hotline.call("post", REPORTS, report_body(children=children))  # the content types and the token's last use

    with django_assert_num_queries(TWO_CHILDREN):
        response = hotline.call("post", REPORTS, report_body(children=children), HTTP_IDEMPOTENCY_KEY="111-0001")

    assert response.status_code == 201
    assert len(response.json()["report"]["cases"]) == 2
