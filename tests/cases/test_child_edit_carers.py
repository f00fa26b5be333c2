"""Carers are edited with the child's record: replaced as a list, audited without their names or numbers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from childprotect.audit.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def edit_payload(child, carers: list[tuple[str, str, str]]) -> dict[str, str]:
    data = {
        "full_name": child.full_name,
        "sex": child.sex,
        "residence_unit": child.residence_unit.code,
        "date_of_birth": child.date_of_birth.strftime("%d/%m/%Y"),
        "version": str(child.version),
        "c-TOTAL_FORMS": str(len(carers)),
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "6",
    }
    for i, (name, relation, phone) in enumerate(carers):
        data.update({f"c-{i}-full_name": name, f"c-{i}-relation": relation, f"c-{i}-phone": phone})
    return data


def test_officer_changes_a_phone_and_adds_a_second_carer(client, officer_a, make_child):
    child = make_child(officer_a, carers=[{"full_name": "Nguyễn Văn Bình", "relation": "bố", "phone": "0912 345 678"}])
    client.force_login(officer_a)
    page = client.get(reverse("cases:child_edit", args=[child.pk])).content.decode()
    assert "Nguyễn Văn Bình" in page and "0912 345 678" in page

    response = client.post(
        reverse("cases:child_edit", args=[child.pk]),
        edit_payload(child, [("Nguyễn Văn Bình", "bố", "0988 111 222"), ("Trần Thị Hồng", "mẹ", "0977 333 444")]),
    )

    assert response.status_code == 302
    assert [(c.full_name, c.phone, c.phone_digits) for c in child.carers.order_by("id")] == [
        ("Nguyễn Văn Bình", "0988 111 222", "0988111222"),
        ("Trần Thị Hồng", "0977 333 444", "0977333444"),
    ]
    entry = AuditEntry.objects.filter(action="child.update").latest("id")
    assert entry.changes["carers"] == ["***", "***"]
    assert "0988" not in str(entry.changes) and "Hồng" not in str(entry.changes)


def test_clearing_a_name_removes_that_carer_and_an_unchanged_list_is_left_alone(client, officer_a, make_child):
    child = make_child(
        officer_a,
        carers=[
            {"full_name": "Nguyễn Văn Bình", "relation": "bố", "phone": "0912"},
            {"full_name": "Lê Thị Mai", "relation": "mẹ", "phone": "0987"},
        ],
    )
    client.force_login(officer_a)
    url = reverse("cases:child_edit", args=[child.pk])
    client.post(url, edit_payload(child, [("Nguyễn Văn Bình", "bố", "0912"), ("", "mẹ", "0987")]))
    assert list(child.carers.values_list("full_name", flat=True)) == ["Nguyễn Văn Bình"]
    child.refresh_from_db()
    ids = list(child.carers.values_list("id", flat=True))
    client.post(url, edit_payload(child, [("Nguyễn Văn Bình", "bố", "0912")]))
    assert list(child.carers.values_list("id", flat=True)) == ids  # same rows: nothing rewritten
    assert "carers" not in AuditEntry.objects.filter(action="child.update").latest("id").changes
