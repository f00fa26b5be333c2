"""Re-homing: a supervisor moves the open cases of old-list communes to the current-list commune that took them over,
after a preview, each by the workflow's `rehome` step; a split commune's cases wait for the supervisor's choice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import CaseCustody, CaseState, CaseStep
from cases.selectors import cases_to_reassign
from cases.services import RehomeChoice, case_act, case_rehome_many
from childprotect.accounts.models import Role
from childprotect.audit.models import AuditEntry
from tests.factories import UserFactory, unit
from tests.support.builders import act, snapshot, walk
from tests.support.crosswalk import crosswalk, file_under
from tests.support.pages import html
from tests.support.places import OTHER_PROVINCE_COMMUNE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

S = CaseState
PAGE = "/cases/rehome/"


@pytest.fixture
def xw(db):
    return crosswalk()


@pytest.fixture
def old_cases(xw, new_case):
    """Three open cases filed in 2024: in Phường Điện Biên (→ commune A), Phường Nam Ngạn (→ commune B) and the split
    Phường Đông Cương; and one of commune A, on the current list."""
    return {
        "dien_bien": file_under(new_case(child_name="Lê Văn Bình"), xw.dien_bien),
        "nam_ngan": file_under(new_case(child_name="Trần Thị Cúc"), xw.nam_ngan),
        "dong_cuong": file_under(new_case(child_name="Phạm Văn Dũng"), xw.dong_cuong),
        "current": new_case(child_name="Đỗ Thị Em"),
    }


def post(client, cases, *, scope="ticked", units=None, versions=None, proposed=()):
    data: dict[str, object] = {"scope": scope, "cases": [c.pk for c in cases], "proposed": [c.pk for c in proposed]}
    for c in [*cases, *proposed]:
        data[f"version-{c.pk}"] = (versions or {}).get(c.pk, c.version)
        if units and c.pk in units:
            data[f"unit-{c.pk}"] = units[c.pk]
    return client.post(PAGE, data)


def test_the_preview_lists_each_old_case_with_its_successor_or_a_choice_for_a_split(
    client, supervisor, old_cases, commune_a, commune_b
):
    client.force_login(supervisor)
    page = html(client.get(PAGE))

    for key in ("dien_bien", "nam_ngan", "dong_cuong"):
        assert str(old_cases[key]) in page
    assert str(old_cases["current"]) not in page
    assert "Phường Điện Biên" in page and "cần quyết định" in page
    assert f'name="unit-{old_cases["dien_bien"].pk}" value="{commune_a.pk}"' in page
    assert f'name="unit-{old_cases["nam_ngan"].pk}" value="{commune_b.pk}"' in page
    assert f'<select class="form-select form-select-sm" name="unit-{old_cases["dong_cuong"].pk}"' in page
    assert "Chuyển tất cả 2 hồ sơ đã có đơn vị kế thừa" in page


def test_the_supervisors_home_page_links_the_preview_when_there_are_old_cases(client, supervisor, new_case, xw):
    client.force_login(supervisor)
    assert PAGE not in html(client.get(reverse("home")))
    file_under(new_case(), xw.dien_bien)
    assert PAGE in html(client.get(reverse("home")))


def test_confirming_moves_the_ticked_cases_each_by_its_step_without_custody(
    client, supervisor, old_cases, commune_a, commune_b, officer_a, officer_b
):
    client.force_login(supervisor)
    dien_bien, nam_ngan = old_cases["dien_bien"], old_cases["nam_ngan"]
    versions = {c.pk: c.version for c in (dien_bien, nam_ngan)}

    response = post(client, [dien_bien, nam_ngan], units={dien_bien.pk: commune_a.pk, nam_ngan.pk: commune_b.pk})

    assert response.status_code == 302
    messages = html(client.get(PAGE))
    assert "Đã chuyển 2 hồ sơ sang đơn vị hành chính mới." in messages
    dien_bien.refresh_from_db()
    nam_ngan.refresh_from_db()
    assert (dien_bien.unit, dien_bien.officer, dien_bien.version) == (commune_a, officer_a, versions[dien_bien.pk] + 1)
    # Nam Ngạn's case goes to commune B, and to its officer (officer A does not work there).
    assert (nam_ngan.unit, nam_ngan.officer) == (commune_b, officer_b)
    step = CaseStep.objects.get(case=dien_bien, action="rehome")
    assert (step.actor, step.record["from_unit"], step.record["to_unit"]) == (
        supervisor,
        "Phường Điện Biên",
        "Phường Hạc Thành",
    )
    entry = AuditEntry.objects.get(action="case.rehome", object_id=str(dien_bien.pk))
    assert entry.changes["unit"] == [dien_bien.report.incident_unit_id, commune_a.pk]
    assert not CaseCustody.objects.filter(case__in=[dien_bien, nam_ngan]).exists()  # the same territory: no move
    assert str(dien_bien) not in html(client.get(PAGE))


def test_all_proposed_moves_the_whole_ones_and_never_guesses_a_split(client, supervisor, old_cases, commune_a):
    client.force_login(supervisor)
    proposed = [old_cases["dien_bien"], old_cases["nam_ngan"]]
    units = {old_cases["dien_bien"].pk: commune_a.pk, old_cases["nam_ngan"].pk: unit("2026:14758").pk}

    post(client, [], scope="proposed", proposed=proposed, units=units)

    for c in old_cases.values():
        c.refresh_from_db()
    assert old_cases["dien_bien"].unit.list_version == old_cases["nam_ngan"].unit.list_version == 2026
    assert old_cases["dong_cuong"].unit.list_version == 2024


def test_a_split_case_moves_to_the_commune_chosen_and_is_refused_without_a_choice(
    client, supervisor, old_cases, commune_b
):
    split = old_cases["dong_cuong"]
    client.force_login(supervisor)

    post(client, [split])
    page = html(client.get(PAGE))
    assert "1 hồ sơ không chuyển được" in page and "hãy chọn xã, phường mới cho hồ sơ này" in page
    split.refresh_from_db()
    assert split.unit.list_version == 2024

    post(client, [split], units={split.pk: commune_b.pk})
    split.refresh_from_db()
    assert split.unit == commune_b


def test_a_target_that_is_not_a_successor_is_refused_and_nothing_changes(supervisor, old_cases, commune_b):
    case = old_cases["dien_bien"]
    before = snapshot(case)

    result = case_rehome_many(actor=supervisor, choices=[RehomeChoice(case.pk, commune_b.pk, case.version)])

    assert result.moved == []
    assert result.refused == [
        (case.pk, "Chỉ chuyển được sang đơn vị kế thừa Phường Điện Biên theo bảng chuyển đổi (Phường Hạc Thành).")
    ]
    assert snapshot(case) == before


def test_a_stale_version_is_refused_and_nothing_changes(client, supervisor, old_cases, commune_a, officer_a):
    case = old_cases["dien_bien"]
    shown = case.version
    act(officer_a, case, "assess_initial")  # someone moved the case on after the page was read
    before = snapshot(case)
    client.force_login(supervisor)

    post(client, [case], units={case.pk: commune_a.pk}, versions={case.pk: shown})

    assert "Hồ sơ vừa được người khác cập nhật" in html(client.get(PAGE))
    assert snapshot(case) == before


def test_a_closed_case_is_refused(supervisor, officer_a, chair_a, xw, new_case, commune_a):
    case = walk(new_case(), S.CLOSED, officer=officer_a, chair=chair_a)
    case = file_under(case, xw.dien_bien)
    before = snapshot(case)

    result = case_rehome_many(actor=supervisor, choices=[RehomeChoice(case.pk, commune_a.pk, case.version)])

    assert "khi hồ sơ đang ở bước “Đã đóng hồ sơ”" in result.refused[0][1] or result.refused[0][1].startswith(
        "Không thể thực hiện"
    )
    assert snapshot(case) == before


def test_a_case_outside_the_supervisors_reach_is_refused_as_not_found(old_cases, commune_a):
    supervisor_x = UserFactory(username="supervisor_x", role=Role.SUPERVISOR, unit=unit(OTHER_PROVINCE_COMMUNE).parent)
    case = old_cases["dien_bien"]
    before = snapshot(case)

    result = case_rehome_many(actor=supervisor_x, choices=[RehomeChoice(case.pk, commune_a.pk, case.version)])

    assert result.refused == [(case.pk, "Không tìm thấy hồ sơ trong địa bàn bạn phụ trách.")]
    assert snapshot(case) == before


def test_only_supervisors_rehome(client, officer_a, chair_a, old_cases, commune_a):
    for person in (officer_a, chair_a):
        client.force_login(person)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"cases": [old_cases["dien_bien"].pk]}).status_code == 403
    case = old_cases["dien_bien"]
    with pytest.raises(ValidationError, match="Chỉ cán bộ giám sát"):
        case_act(actor=chair_a, case=case, action="rehome", version=case.version, data={"unit": commune_a.pk})


def test_nothing_ticked_shows_the_page_again_with_a_message(client, supervisor, old_cases):
    client.force_login(supervisor)
    response = client.post(PAGE, {"scope": "ticked"})
    assert response.status_code == 200
    assert "Hãy chọn ít nhất một hồ sơ." in html(response)


def test_the_step_page_offers_rehoming_for_an_old_case_only(client, supervisor, old_cases, commune_a):
    client.force_login(supervisor)
    old, current = old_cases["dien_bien"], old_cases["current"]
    assert "Chuyển hồ sơ sang đơn vị hành chính mới" in html(client.get(reverse("cases:case_detail", args=[old.pk])))
    assert "Chuyển hồ sơ sang đơn vị hành chính mới" not in html(
        client.get(reverse("cases:case_detail", args=[current.pk]))
    )
    form = html(client.get(reverse("cases:case_act", args=[old.pk, "rehome"])))
    assert f'<option value="{commune_a.pk}" selected>Phường Hạc Thành</option>' in form


# The preview's queries: the session, the user and their unit, the supervisor's reach, the cases with their children,
# communes (and their districts) and officers, the crosswalk of their communes (one query), the bell's count.
PREVIEW_QUERIES = 7


def test_the_preview_takes_a_pinned_number_of_queries_for_few_or_many_cases(
    client, supervisor, xw, new_case, django_assert_num_queries
):
    client.force_login(supervisor)
    client.get(PAGE)
    for i, old in enumerate((xw.dien_bien, xw.dong_cuong)):
        file_under(new_case(child_name=f"Trẻ số {i}"), old)
    with django_assert_num_queries(PREVIEW_QUERIES):
        client.get(PAGE)
    for i, old in enumerate((xw.lam_son, xw.nam_ngan, xw.dong_cuong, xw.dien_bien), start=2):
        file_under(new_case(child_name=f"Trẻ số {i}"), old)
    with django_assert_num_queries(PREVIEW_QUERIES):
        assert html(client.get(PAGE)).count('type="checkbox" name="cases"') == 6


def test_an_old_communes_case_waits_for_rehoming_not_on_the_list_of_departed_officers(supervisor, old_cases):
    assert old_cases["dien_bien"] not in set(cases_to_reassign(supervisor, departed=True))
    assert old_cases["dien_bien"] in set(cases_to_reassign(supervisor))
