"""A child moves from Phường Hạc Thành to Phường Hàm Rồng, in Chromium on the demo world (see conftest.py):
officer_a asks for the transfer on the case page, officer_b accepts it on the transfers page and takes the case,
and officer_a can no longer open the child (404); the transfers page keeps her trace without the child's name.

Only what a person does (forms, buttons and links by their Vietnamese text or labels); the database is read back at
the end. The starting point (a new case of commune A) is made through the services.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from cases.models import CaseState, CaseTransfer, TransferStatus
from childprotect.accounts.models import User

from .journey import COMMUNE_A, Journey, case_at, heading, open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COMMUNE_B = "Phường Hàm Rồng"
CHILD = "Hà Minh Khang"


def test_a_child_moves_to_another_commune_which_accepts_the_case(journey: Journey):
    page, main = journey.page, journey.main
    case = case_at(
        CaseState.RECEIVED,
        child_name=CHILD,
        born=dt.date(2014, 9, 2),
        text="Cô giáo thấy trẻ có vết bầm trên tay nhiều lần.",
    )
    deadlines = list(case.deadlines.order_by("id").values_list("kind", "due_at"))

    journey.login("officer_a")
    journey.step("the case page")
    open_case(journey, str(case))
    journey.step("ask commune B to take the case")
    main.get_by_role("link", name="Chuyển hồ sơ", exact=True).click()
    expect(heading(journey)).to_have_text("Chuyển hồ sơ sang xã, phường khác")
    main.get_by_label("Xã, phường nhận hồ sơ").fill("14758")
    main.get_by_label("Lý do chuyển").fill("Gia đình trẻ đã chuyển đến ở tổ 3, phường Hàm Rồng.")
    main.get_by_role("button", name="Ghi nhận").click()
    expect(main).to_contain_text(f"Đang chờ {COMMUNE_B} tiếp nhận hồ sơ")
    journey.screens("case-transfer-requested")
    journey.logout()

    journey.login("officer_b")
    journey.step("home counts the request")
    expect(main).to_contain_text("Hồ sơ chuyển đến chờ tiếp nhận")
    journey.step("the transfers page")
    journey.nav("Chuyển hồ sơ")
    row = main.locator("tr.transfer-incoming", has_text=CHILD)
    expect(row).to_contain_text(COMMUNE_A)
    expect(row).to_contain_text("2014")
    journey.screens("transfers-incoming")
    journey.step("accept")
    row.get_by_role("link", name="Tiếp nhận", exact=True).click()
    expect(heading(journey)).to_have_text("Tiếp nhận hồ sơ chuyển đến")
    expect(main).to_contain_text("Gia đình trẻ đã chuyển đến ở tổ 3")
    main.get_by_role("button", name="Tiếp nhận hồ sơ chuyển đến").click()
    expect(heading(journey)).to_contain_text(CHILD)  # the case page, now commune B's
    expect(main).to_contain_text(COMMUNE_B)
    journey.logout()

    journey.login("officer_a")
    for path in (f"/children/{case.child_id}/", f"/cases/{case.pk}/"):
        journey.step(f"refused {path}")
        response = journey.go(path)
        assert response is not None and response.status == 404, path
        expect(heading(journey)).to_contain_text("Không tìm thấy")
        expect(main).not_to_contain_text(CHILD)
    journey.step("the trace on the transfers page")
    journey.nav("Chuyển hồ sơ")
    past = main.locator("tr.transfer-past", has_text=str(case))
    expect(past).to_contain_text(COMMUNE_B)
    expect(past).to_contain_text("Đã tiếp nhận")
    expect(main).not_to_contain_text(CHILD)
    journey.screens("transfers-trace")

    case.refresh_from_db()
    transfer = CaseTransfer.objects.get(case=case)
    assert (case.unit.name, case.officer) == (COMMUNE_B, User.objects.get(username="officer_b"))
    assert transfer.status == TransferStatus.ACCEPTED
    assert list(case.deadlines.order_by("id").values_list("kind", "due_at")) == deadlines
    assert not page.is_closed()
