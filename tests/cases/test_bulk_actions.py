"""Bulk actions on the cases list: a preview of what each case will become, then a confirmation that runs each case
through its own service call (its own audit entry); cases that left reach or changed in between are skipped and
listed, nothing else changes. Flags: shown on the case and in the list, filterable, clearable by those who may."""

from __future__ import annotations

import re

import pytest

from cases.models import CaseFlag
from cases.services import case_flag
from childprotect.accounts.models import Role
from childprotect.audit.models import AuditEntry
from tests.support.builders import act, open_case, snapshot
from tests.support.pages import html

from ..factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

BULK, LIST = "/cases/bulk/", "/cases/"


@pytest.fixture
def officer_a2(commune_a):
    return UserFactory(username="officer_a2", full_name="Lê Thị Hoa", role=Role.COMMUNE_OFFICER, unit=commune_a)


def preview_fields(response) -> dict[str, list[str]]:
    """The hidden fields of the preview's confirmation form, as the browser would send them."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html(response)):
        fields.setdefault(name, []).append(value)
    return fields


def test_a_bulk_reassignment_previews_then_moves_each_case_with_its_own_audit_entry(
    client, new_case, supervisor, officer_a, officer_a2
):
    first, second = new_case(), new_case(child_name="Trần Văn Bình")
    client.force_login(supervisor)
    before = snapshot(first)
    preview = client.post(BULK, {"action": "reassign", "cases": [first.pk, second.pk], "officer": officer_a2.pk})
    assert preview.status_code == 200
    text = html(preview)
    assert "Xem trước thao tác hàng loạt" in text and f"{officer_a} → <strong>{officer_a2}</strong>" in text
    assert snapshot(first) == before  # the preview changes nothing

    confirmed = client.post(BULK, preview_fields(preview))
    assert "Đã giao 2 hồ sơ" in html(confirmed)
    for case in (first, second):
        case.refresh_from_db()
        assert case.officer == officer_a2
        assert AuditEntry.objects.filter(action="case.reassign", object_id=str(case.pk)).count() == 1

    # The same confirmation sent again (Back, then confirm) changes nothing more.
    again = client.post(BULK, preview_fields(preview), follow=True)
    assert "đã được thực hiện trước đó" in html(again)
    assert AuditEntry.objects.filter(action="case.reassign").count() == 2


def test_cases_that_left_reach_or_changed_after_the_preview_are_skipped_and_listed(
    client, new_case, chair_a, officer_a, officer_b, supervisor, make_report, make_child
):
    kept, changed = new_case(), new_case(child_name="Trần Văn Bình")
    case_b = open_case(supervisor, make_report, make_child, incident_unit=officer_b.unit)
    client.force_login(chair_a)
    preview = client.post(
        BULK, {"action": "flag", "cases": [kept.pk, changed.pk, case_b.pk], "kind": "attention", "note": "Xem gấp"}
    )
    text = html(preview)
    assert f"Hồ sơ số {case_b.pk}" in text and "Không tìm thấy hồ sơ trong địa bàn" in text
    assert text.count("thêm đánh dấu “Cần chú ý”") == 2

    act(officer_a, changed, "assess_initial")  # the version moves on after the preview
    before = snapshot(changed)
    fields = preview_fields(preview)
    fields["cases"].append(str(case_b.pk))  # posted anyway: refused as not found
    done = html(client.post(BULK, fields))

    assert "Đã đánh dấu 1 hồ sơ" in done
    assert f"Hồ sơ số {changed.pk}: Hồ sơ đã được người khác cập nhật" in done
    assert f"Hồ sơ số {case_b.pk}: Không tìm thấy hồ sơ" in done
    assert snapshot(changed) == before
    assert list(CaseFlag.objects.values_list("case_id", "kind", "note")) == [(kept.pk, "attention", "Xem gấp")]
    assert AuditEntry.objects.filter(action="case.flag").count() == 1


def test_officers_may_not_reassign_or_flag_in_bulk_but_may_export_the_selection(
    client, new_case, officer_a, officer_a2
):
    case, other = new_case(), new_case(child_name="Trần Văn Bình")
    client.force_login(officer_a)
    for data in ({"action": "reassign", "officer": officer_a2.pk}, {"action": "flag", "kind": "attention"}):
        response = client.post(BULK, {**data, "cases": [case.pk]}, follow=True)
        assert "Lựa chọn" in html(response) or "hợp lệ" in html(response)
    assert not CaseFlag.objects.exists()
    case.refresh_from_db()
    assert case.officer == officer_a

    exported = client.post(BULK, {"action": "export", "cases": [case.pk], "export_format": "csv"})
    assert exported.status_code == 302 and f"ids={case.pk}" in exported["Location"]
    rows = b"".join(client.get(exported["Location"]).streaming_content).decode()
    assert str(case) in rows and str(other) not in rows


def test_all_on_the_page_selects_the_pages_cases_and_an_empty_selection_is_refused(client, new_case, supervisor):
    first, second = new_case(), new_case(child_name="Trần Văn Bình")
    client.force_login(supervisor)
    empty = client.post(BULK, {"action": "flag", "kind": "priority"}, follow=True)
    assert "Hãy chọn ít nhất một hồ sơ." in html(empty)
    preview = client.post(
        BULK, {"action": "flag", "kind": "priority", "all_on_page": "1", "on_page": [first.pk, second.pk]}
    )
    assert preview_fields(preview)["cases"] == [str(first.pk), str(second.pk)]


def test_a_flag_shows_on_the_case_and_in_the_list_filters_it_and_is_cleared(client, new_case, supervisor, officer_a):
    flagged, plain = new_case(), new_case(child_name="Trần Văn Bình")
    flag = case_flag(actor=supervisor, case=flagged, kind="review_quality", note="Thiếu biên bản")
    client.force_login(officer_a)
    page = html(client.get(f"/cases/{flagged.pk}/"))
    assert "Cần xem lại chất lượng" in page and "Thiếu biên bản" in page and "Gỡ đánh dấu" not in page
    listed = html(client.get(LIST, {"flag": "review_quality"}))
    assert str(flagged) in listed and str(plain) not in listed
    assert client.post(f"/cases/{flagged.pk}/flags/clear/", {"flag": flag.pk}).status_code == 403

    client.force_login(supervisor)
    client.post(f"/cases/{flagged.pk}/flags/clear/", {"flag": flag.pk})
    flag.refresh_from_db()
    assert flag.cleared_by == supervisor and flag.cleared_at is not None
    assert AuditEntry.objects.filter(action="case.unflag", object_id=str(flagged.pk)).count() == 1
    assert str(flagged) not in html(client.get(LIST, {"flag": "review_quality"}))


def test_an_unknown_filter_on_the_list_is_said_in_vietnamese(client, supervisor):
    client.force_login(supervisor)
    text = html(client.get(LIST, {"state": "bogus", "unit": "999999", "officer": "987654"}))
    assert "Bộ lọc không còn hợp lệ:" in text and "Bước hiện tại “bogus” không còn tồn tại." in text
    assert "Xã, phường (mã 999999) không còn tồn tại." in text
    assert "Cán bộ (mã 987654) không còn tồn tại." in text


def test_the_list_filters_on_the_officer_in_charge(client, new_case, supervisor, officer_a, officer_a2):
    theirs, mine = new_case(), new_case(child_name="Trần Văn Bình")
    act(supervisor, mine, "reassign", officer=officer_a2, reason="")
    client.force_login(supervisor)
    listed = html(client.get(LIST, {"officer": officer_a2.pk}))
    assert str(mine) in listed and str(theirs) not in listed


def test_the_case_page_flags_one_case_with_a_note_audited_and_refuses_bad_or_stale_input(
    client, new_case, supervisor, chair_a, officer_a
):
    case = new_case()
    client.force_login(officer_a)
    assert 'id="flag-case"' not in html(client.get(f"/cases/{case.pk}/"))  # an officer may not flag
    assert client.post(f"/cases/{case.pk}/flags/", {"kind": "attention", "version": case.version}).status_code == 403

    client.force_login(chair_a)
    page = html(client.get(f"/cases/{case.pk}/"))
    assert 'id="flag-case"' in page and f'name="version" value="{case.version}"' in page
    before = (snapshot(case), CaseFlag.objects.count(), AuditEntry.objects.filter(action="case.flag").count())
    text = html(client.post(f"/cases/{case.pk}/flags/", {"kind": "bogus", "version": case.version}, follow=True))
    assert "Chưa đánh dấu: hãy chọn loại đánh dấu" in text
    text = html(
        client.post(f"/cases/{case.pk}/flags/", {"kind": "attention", "version": case.version - 1}, follow=True)
    )
    assert "Hồ sơ đã được người khác cập nhật" in text
    assert (snapshot(case), CaseFlag.objects.count(), AuditEntry.objects.filter(action="case.flag").count()) == before

    done = client.post(
        f"/cases/{case.pk}/flags/",
        {"kind": "attention", "note": "Gọi lại gia đình", "version": case.version},
        follow=True,
    )
    assert "Đã đánh dấu “Cần chú ý”." in html(done) and "Gọi lại gia đình" in html(done)
    flag = CaseFlag.objects.get(case=case)
    assert (flag.kind, flag.note, flag.created_by, flag.cleared_at) == ("attention", "Gọi lại gia đình", chair_a, None)
    assert AuditEntry.objects.filter(action="case.flag", object_id=str(case.pk), actor=chair_a).count() == 1
    again = client.post(f"/cases/{case.pk}/flags/", {"kind": "attention", "version": case.version}, follow=True)
    assert "Hồ sơ đã mang đánh dấu này." in html(again) and CaseFlag.objects.filter(case=case).count() == 1
