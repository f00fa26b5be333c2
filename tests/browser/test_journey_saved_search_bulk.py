"""A supervisor hands a departed officer's cases to her successor from a saved search, in Chromium on the demo world
(see conftest.py): officer_a has left (deactivated) and Lê Thị Hoa took her post in commune A. The supervisor filters
the cases list on the cases of officers who left, saves the filter, finds it on the home page with its count, opens
it, ticks every case of the page, previews the reassignment (Nguyễn Thị Hoà → Lê Thị Hoa), confirms it, and the saved
search then counts none. The database is read back at the end: each case moved, each with its own audit entry.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from cases import selectors
from cases.models import Case, CaseState
from childprotect.accounts.models import Role, User
from childprotect.audit.models import AuditEntry

from .journey import Journey, case_at, heading

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SAVED = "Hồ sơ của cán bộ đã nghỉ"


def test_a_supervisor_reassigns_a_departed_officers_cases_from_a_saved_search(journey: Journey):
    page, main = journey.page, journey.main
    case_at(CaseState.RECEIVED, child_name="Đinh Thu Trang", born=dt.date(2015, 3, 8), text="Trẻ nghỉ học nhiều ngày.")
    gone = User.objects.get(username="officer_a")
    successor = User.objects.create(
        username="officer_a2", full_name="Lê Thị Hoa", role=Role.COMMUNE_OFFICER, unit=gone.unit, is_active=True
    )
    User.objects.filter(pk=gone.pk).update(is_active=False)
    supervisor = User.objects.get(username="supervisor")
    departed = list(selectors.cases_list(supervisor, selectors.CaseFilters(departed=True)).values_list("pk", flat=True))
    assert 0 < len(departed) <= 25  # one page of the list
    # The demo's cases of commune A move to her successor; a departed officer's case of another commune cannot (the
    # workflow gives a case only to an officer of its commune): skipped and listed, unchanged.
    officers = dict(Case.objects.filter(pk__in=departed).values_list("pk", "officer_id"))
    movable = list(Case.objects.filter(pk__in=departed, unit=successor.unit).values_list("pk", flat=True))
    assert movable

    journey.login("supervisor")
    journey.step("filter the cases of officers who left")
    journey.nav("Hồ sơ vụ việc")
    main.get_by_label("Hồ sơ của cán bộ đã nghỉ, chuyển công tác").check()
    main.get_by_role("button", name="Lọc", exact=True).click()
    expect(main).to_contain_text(f"{len(departed)} hồ sơ")
    journey.step("save the filter")
    main.get_by_label("Tên bộ lọc").fill(SAVED)
    main.get_by_role("button", name="Lưu bộ lọc này").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"Đã lưu bộ lọc “{SAVED}”")

    journey.step("the home page counts it")
    journey.go("/")
    card = main.locator("#saved-searches")
    expect(card).to_contain_text(SAVED)
    expect(card.locator(".saved-count")).to_have_text(str(len(departed)))
    journey.screens("home-saved-searches")

    journey.step("open it and tick the page")
    card.get_by_role("link", name=SAVED).click()
    expect(main).to_contain_text(f"{len(departed)} hồ sơ")
    main.get_by_label("Chọn tất cả trên trang").check()
    boxes = main.locator('#bulk-form input[name="cases"]')
    expect(boxes).to_have_count(len(departed))
    for i in range(len(departed)):  # every case of the page ticked where the user sees it
        expect(boxes.nth(i)).to_be_checked()
    boxes.first.uncheck()
    expect(main.get_by_label("Chọn tất cả trên trang")).not_to_be_checked()
    main.get_by_label("Chọn tất cả trên trang").check()
    main.get_by_label("Thao tác", exact=True).select_option("reassign")
    main.get_by_label("Cán bộ phụ trách mới").select_option(str(successor.pk))
    main.get_by_label("Lý do giao lại").fill("Chị Hoà đã chuyển công tác.")
    main.get_by_role("button", name="Xem trước").click()

    journey.step("the preview")
    expect(heading(journey)).to_have_text("Xem trước thao tác hàng loạt")
    expect(main.locator("#bulk-preview tbody tr")).to_have_count(len(departed))
    expect(main.locator("#bulk-preview")).to_contain_text("Nguyễn Thị Hoà → Lê Thị Hoa")
    assert dict(Case.objects.filter(pk__in=departed).values_list("pk", "officer_id")) == officers  # nothing yet
    journey.screens("bulk-preview")
    main.get_by_role("button", name="Xác nhận thực hiện").click()

    journey.step("done")
    expect(main.locator("#bulk-done")).to_contain_text(f"Đã giao {len(movable)} hồ sơ cho Lê Thị Hoa")
    skipped = [pk for pk in departed if pk not in movable]
    for pk in skipped:
        expect(main.locator("#bulk-skipped")).to_contain_text(f"Hồ sơ số {pk}:")
    journey.screens("bulk-done")
    journey.go("/")
    expect(main.locator("#saved-searches .saved-count")).to_have_text(str(len(skipped)))

    assert Case.objects.filter(pk__in=movable, officer=successor).count() == len(movable)
    for pk in departed:
        moved = AuditEntry.objects.filter(action="case.reassign", object_id=str(pk)).count()
        assert moved == (1 if pk in movable else 0)
        if pk not in movable:
            assert Case.objects.get(pk=pk).officer_id == officers[pk]
    assert not journey.server_errors and not journey.console_errors
