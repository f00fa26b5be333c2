"""Reassigning the officer in charge of a case: one case through its step, many at once on the bulk page, and the
cases of officers who left listed on the chair's and the supervisor's home pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import CaseState, CaseStep, DeadlineStatus
from cases.services import case_act, report_attach_child
from childprotect.accounts.models import Role
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from tests.support.builders import act, open_case, snapshot
from tests.support.pages import html, post_step

from ..factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

S = CaseState
BULK = "/cases/reassign/"


@pytest.fixture
def officer_a2(commune_a):
    return UserFactory(username="officer_a2", full_name="Lê Thị Hoa", role=Role.COMMUNE_OFFICER, unit=commune_a)


def shown_versions(page) -> dict[str, str]:
    """The version of each case as the bulk page showed it (its hidden inputs)."""
    return dict(re.findall(r'name="(version-\d+)" value="(\d+)"', html(page)))


def departed_card(text: str) -> str:
    """The home page's card of what the people who left had ("" when there is none)."""
    start = text.find('id="departed"')
    return text[start : text.index("</section>", start)] if start >= 0 else ""


def open_deadlines(case):
    return list(case.deadlines.filter(status=DeadlineStatus.OPEN).order_by("id").values_list("kind", "due_at"))


def test_the_chair_hands_a_case_to_another_officer_and_its_deadlines_run_on(case_at, chair_a, officer_a, officer_a2):
    case = case_at(S.INITIAL_ASSESSED)
    deadlines, version = open_deadlines(case), case.version

    step = act(chair_a, case, "reassign", officer=officer_a2, reason="Chị Mai nghỉ sinh.")

    case.refresh_from_db()
    assert (case.officer, case.state, case.version) == (officer_a2, S.INITIAL_ASSESSED, version + 1)
    assert open_deadlines(case) == deadlines  # kept, not restarted
    assert (step.action, step.actor, step.record["officer"], step.record["previous_officer"]) == (
        "reassign",
        chair_a,
        str(officer_a2),
        str(officer_a),
    )
    entry = AuditEntry.objects.get(action="case.reassign", object_id=str(case.pk))
    assert (entry.actor, entry.changes["officer"]) == (chair_a, [officer_a.pk, officer_a2.pk])
    told = Notification.objects.filter(url=reverse("cases:case_detail", args=[case.pk]))
    assert {n.recipient for n in told.filter(title__startswith="Bạn được giao")} == {officer_a2}
    assert {n.recipient for n in told.filter(title__contains="đã được giao cho cán bộ khác")} == {officer_a}


def test_the_supervisor_may_reassign(case_at, supervisor, officer_a2):
    case = case_at(S.IMPLEMENTING)
    act(supervisor, case, "reassign", officer=officer_a2)
    case.refresh_from_db()
    assert case.officer == officer_a2


def test_an_inactive_previous_officer_is_not_told(case_at, chair_a, officer_a, officer_a2):
    case = case_at(S.RECEIVED)
    officer_a.is_active = False
    officer_a.save(update_fields=["is_active"])
    act(chair_a, case, "reassign", officer=officer_a2)
    assert not Notification.objects.filter(recipient=officer_a, title__contains="cán bộ khác").exists()
    assert Notification.objects.filter(recipient=officer_a2, title__startswith="Bạn được giao").exists()


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "police", "chair_b", "administrator"])
def test_others_may_not_reassign(who, request, case_at, officer_a2, commune_b):
    actor = (
        UserFactory(username="chair_b", role=Role.COMMUNE_CHAIR, unit=commune_b)
        if who == "chair_b"
        else request.getfixturevalue(who)
    )
    case = case_at(S.RECEIVED)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        act(actor, case, "reassign", officer=officer_a2)
    assert exc.value.code == "refused"
    assert snapshot(case) == before


def test_a_stale_version_is_refused(case_at, chair_a, officer_a2):
    case = case_at(S.RECEIVED)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        case_act(actor=chair_a, case=case, action="reassign", version=case.version - 1, data={"officer": officer_a2})
    assert exc.value.code == "stale"
    assert snapshot(case) == before


def test_a_closed_case_is_not_reassigned(case_at, chair_a, officer_a2):
    case = case_at(S.CLOSED)
    with pytest.raises(ValidationError) as exc:
        act(chair_a, case, "reassign", officer=officer_a2)
    assert exc.value.code == "refused"


@pytest.mark.parametrize("bad", ["same", "inactive", "other_commune", "chair", "missing"])
def test_a_bad_choice_is_refused_in_vietnamese_and_changes_nothing(bad, case_at, chair_a, officer_a, officer_b):
    case = case_at(S.RECEIVED)
    chosen = {
        "same": lambda: officer_a,
        "inactive": lambda: UserFactory(role=Role.COMMUNE_OFFICER, unit=case.unit, is_active=False),
        "other_commune": lambda: officer_b,
        "chair": lambda: chair_a,
        "missing": lambda: 999999,
    }[bad]()
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        act(chair_a, case, "reassign", officer=chosen)
    message = exc.value.message_dict["officer"][0]
    assert {
        "same": "đang phụ trách hồ sơ",
        "inactive": "không còn hoạt động",
        "other_commune": "Chỉ giao được cho cán bộ bảo vệ trẻ em của",
        "chair": "Chỉ giao được cho cán bộ bảo vệ trẻ em của",
        "missing": "không còn hoạt động",
    }[bad] in message
    assert snapshot(case) == before
    assert not AuditEntry.objects.filter(action="case.reassign").exists()


def test_the_step_page_offers_only_active_officers_of_the_commune(client, case_at, chair_a, officer_a2, officer_b):
    case = case_at(S.RECEIVED)
    client.force_login(chair_a)
    page = client.get(reverse("cases:case_act", args=[case.pk, "reassign"]))
    assert str(officer_a2) in html(page)
    assert str(officer_b) not in html(page)

    before = snapshot(case)
    refused = post_step(client, case, "reassign", {"officer": str(officer_b.pk)})
    assert refused.status_code == 200
    assert "Chỉ giao được cho cán bộ bảo vệ trẻ em" in html(refused)
    same = post_step(client, case, "reassign", {"officer": str(case.officer_id)})
    assert "đang phụ trách hồ sơ" in html(same)
    assert snapshot(case) == before

    done = post_step(client, case, "reassign", {"officer": str(officer_a2.pk), "reason": "Phân công lại."})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.officer == officer_a2


# --- many at once -------------------------------------------------------------------------------------------------


def test_the_bulk_page_moves_the_ticked_cases_one_step_each_and_says_which_were_refused(
    client, new_case, chair_a, officer_a, officer_a2, officer_b, supervisor, make_report, make_child
):
    first, second = new_case(), new_case(child_name="Trần Văn Bình")
    # A case of commune B (officer_b's): never listed to chair A, and refused as not found when its id is posted.
    case_b = open_case(supervisor, make_report, make_child, incident_unit=officer_b.unit)
    assert case_b.officer == officer_b
    client.force_login(chair_a)

    page = client.get(BULK, {"officer": officer_a.pk})
    assert page.status_code == 200
    assert f'id="case-{first.pk}"' in html(page) and f'id="case-{second.pk}"' in html(page)
    assert f'id="case-{case_b.pk}"' not in html(page)

    posted = {"cases": [first.pk, second.pk, case_b.pk], "officer": officer_a2.pk, "reason": "Nghỉ việc."}
    response = client.post(BULK, {**posted, **shown_versions(page)}, follow=True)

    text = html(response)
    assert "Đã giao 2 hồ sơ" in text
    assert f"Hồ sơ số {case_b.pk} không được giao: Không tìm thấy hồ sơ" in text
    for case in (first, second):
        case.refresh_from_db()
        assert case.officer == officer_a2
        assert CaseStep.objects.filter(case=case, action="reassign").count() == 1
        assert AuditEntry.objects.filter(action="case.reassign", object_id=str(case.pk)).count() == 1
    case_b.refresh_from_db()
    assert case_b.officer == officer_b


def test_a_case_already_with_that_officer_is_refused_with_the_reason(client, new_case, chair_a, officer_a):
    case = new_case()
    client.force_login(chair_a)
    shown = shown_versions(client.get(BULK))
    response = client.post(BULK, {"cases": [case.pk], "officer": officer_a.pk, **shown}, follow=True)
    assert f"Hồ sơ số {case.pk} không được giao: Cán bộ này đang phụ trách hồ sơ" in html(response)


def test_a_case_changed_since_the_page_was_shown_is_refused_and_the_others_move(
    client, new_case, chair_a, supervisor, officer_a, officer_a2
):
    first, second = new_case(), new_case(child_name="Trần Văn Bình")
    client.force_login(chair_a)
    page = client.get(BULK)
    shown = shown_versions(page)
    assert shown == {f"version-{first.pk}": str(first.version), f"version-{second.pk}": str(second.version)}

    # Meanwhile the officer records the initial assessment of the second case: its version moves on.
    act(officer_a, second, "assess_initial")
    before = snapshot(second)

    posted = {"cases": [first.pk, second.pk], "officer": officer_a2.pk, "reason": "Nghỉ việc.", **shown}
    text = html(client.post(BULK, posted, follow=True))

    assert "Đã giao 1 hồ sơ" in text
    assert f"Hồ sơ số {second.pk} không được giao: Hồ sơ đã được người khác cập nhật" in text
    assert snapshot(second) == before  # nothing changed for it
    first.refresh_from_db()
    assert first.officer == officer_a2
    assert not AuditEntry.objects.filter(action="case.reassign", object_id=str(second.pk)).exists()


def test_a_ticked_case_posted_without_the_version_shown_is_refused(client, new_case, chair_a, officer_a2):
    case = new_case()
    client.force_login(chair_a)
    text = html(client.post(BULK, {"cases": [case.pk], "officer": officer_a2.pk}, follow=True))
    assert f"Hồ sơ số {case.pk} không được giao: Hồ sơ đã được người khác cập nhật" in text
    case.refresh_from_db()
    assert case.officer != officer_a2


@pytest.mark.parametrize("who", ["officer_a", "police", "administrator"])
def test_the_bulk_page_is_forbidden_to_those_who_may_not_reassign(who, request, client):
    client.force_login(request.getfixturevalue(who))
    assert client.get(BULK).status_code == 403
    assert client.post(BULK, {}).status_code == 403


# --- officers who left -------------------------------------------------------------------------------------------


def test_a_deactivated_officers_cases_are_listed_on_the_chairs_and_supervisors_home(
    client, new_case, chair_a, supervisor, officer_a
):
    case = new_case()
    client.force_login(chair_a)
    assert "Hồ sơ cần giao cho cán bộ khác" not in html(client.get("/"))

    officer_a.is_active = False
    officer_a.save(update_fields=["is_active"])

    for person in (chair_a, supervisor):
        client.force_login(person)
        text = html(client.get("/"))
        assert "Hồ sơ cần giao cho cán bộ khác" in text
        assert reverse("cases:case_detail", args=[case.pk]) in text
        assert f"{BULK}?departed=1" in text
    page = client.get(BULK, {"departed": "1"})
    assert f'id="case-{case.pk}"' in html(page)


def test_an_officer_moved_to_another_commune_leaves_their_cases_listed(client, new_case, chair_a, officer_a, commune_b):
    case = new_case()
    officer_a.unit = commune_b
    officer_a.save(update_fields=["unit"])
    client.force_login(chair_a)
    assert reverse("cases:case_detail", args=[case.pk]) in html(client.get(BULK, {"departed": "1"}))


def test_reports_still_at_intake_whose_receiver_left_are_listed_until_a_case_is_opened(
    client, make_report, make_child, chair_a, supervisor, officer_a, officer_a2, police
):
    waiting = make_report(officer_a)  # no child yet: no case
    by_partner = make_report(police)
    for gone in (officer_a, police):
        gone.is_active = False
        gone.save(update_fields=["is_active"])

    for person in (chair_a, supervisor):
        client.force_login(person)
        card = departed_card(html(client.get("/")))
        assert "1 thông tin chưa mở hồ sơ, người tiếp nhận đã nghỉ, chuyển công tác" in card
        assert reverse("cases:report_detail", args=[waiting.pk]) in card
        # A partner who logged a report never answered for it: the commune's staff do, from their inbox.
        assert reverse("cases:report_detail", args=[by_partner.pk]) not in card

    # Opening a case from it hands it to an active officer of the commune; it leaves the list.
    report_attach_child(actor=chair_a, report=waiting, child=make_child(chair_a))
    assert waiting.cases.get().officer == officer_a2
    client.force_login(chair_a)
    assert departed_card(html(client.get("/"))) == ""


def test_a_report_whose_receiver_moved_to_another_commune_is_listed(client, make_report, chair_a, officer_a, commune_b):
    waiting = make_report(officer_a)
    client.force_login(chair_a)
    assert departed_card(html(client.get("/"))) == ""
    officer_a.unit = commune_b
    officer_a.save(update_fields=["unit"])
    assert reverse("cases:report_detail", args=[waiting.pk]) in departed_card(html(client.get("/")))
