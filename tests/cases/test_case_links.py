"""Linked cases (cases/models/links.py): brothers and sisters, one perpetrator, a child harmed again. Linked and
unlinked with a reason, within the actor's reach; the case page and the API list the links whose other case the
viewer reaches, and never tell of one out of reach."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import Carer, Case, CaseLink, CaseState
from cases.selectors import case_link_suggestions, case_links_for, case_number_pk
from cases.services import case_link, case_unlink, report_attach_child
from childprotect.audit.actions import CaseAction
from childprotect.audit.models import AuditEntry
from tests.support.api_matrix import person_http
from tests.support.pages import client_for, detail_url, html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

LAN = {"full_name": "Nguyễn Thị Lan", "relation": "Mẹ", "phone": "0912 345 678"}


def case_in(officer, make_report, make_child, commune, name: str, carers=None) -> Case:
    """A case of `commune` opened by its officer for a new child (with `carers`)."""
    report = make_report(officer, incident_unit=commune)
    child = make_child(officer, full_name=name, residence_unit=commune, carers=carers or [])
    report_attach_child(actor=officer, report=report, child=child)
    return report.cases.get(child=child)


@pytest.fixture
def cases(officer_a, officer_b, make_report, make_child, commune_a, commune_b):
    """Two brothers in commune A (one mother's phone, written two ways), a third child of A, and a child of commune B
    with the same mother's phone (moved there)."""
    return {
        "an": case_in(officer_a, make_report, make_child, commune_a, "Nguyễn Văn An", [LAN]),
        "binh": case_in(
            officer_a, make_report, make_child, commune_a, "Nguyễn Văn Bình", [{**LAN, "phone": "+84 912.345.678"}]
        ),
        "cuong": case_in(officer_a, make_report, make_child, commune_a, "Lê Văn Cường"),
        "dung": case_in(officer_b, make_report, make_child, commune_b, "Nguyễn Thị Dung", [LAN]),
    }


def link_url(case: Case) -> str:
    return reverse("cases:case_link", args=[case.pk])


def unlink_url(case: Case) -> str:
    return reverse("cases:case_unlink", args=[case.pk])


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def link_audit() -> int:
    return AuditEntry.objects.filter(action__in=[CaseAction.LINK, CaseAction.UNLINK]).count()


# --- linking and unlinking on the page -----------------------------------------------------------------------------


def test_the_officer_follows_a_sibling_suggestion_links_the_brothers_and_both_pages_show_it(officer_a, cases):
    an, binh = cases["an"], cases["binh"]
    http = client_for(officer_a)

    page = http.get(detail_url(an))
    suggested = [(s.case.pk, s.kind) for s in page.context["link_suggestions"]]
    # Bình by the mother's phone (written +84 912.345.678); Dung has the same phone but is out of officer A's reach.
    assert suggested == [(binh.pk, "siblings")]
    assert f"?link={binh.pk}&amp;kind=siblings" in html(page)
    assert cases["dung"].child.full_name not in html(page)

    filled = http.get(detail_url(an), {"link": str(binh.pk), "kind": "siblings"})
    assert filled.context["link_form"].initial == {"other": f"HS-{binh.pk:06d}", "kind": "siblings"}

    response = http.post(link_url(an), {"other": f"HS-{binh.pk:06d}", "kind": "siblings", "reason": "Cùng mẹ."})
    assert response.status_code == 302
    assert said(response) == ["Đã liên kết hồ sơ."]
    link = CaseLink.objects.get()
    assert (link.low_id, link.high_id, link.kind, link.reason, link.by) == (
        an.pk,
        binh.pk,
        "siblings",
        "Cùng mẹ.",
        officer_a,
    )
    # One entry on each case's record.
    assert sorted(AuditEntry.objects.filter(action=CaseAction.LINK).values_list("object_id", flat=True)) == sorted(
        [str(an.pk), str(binh.pk)]
    )

    for this, other in ((an, binh), (binh, an)):
        page = http.get(detail_url(this))
        assert [(x.other.pk, x.name_shown) for x in page.context["links"]] == [(other.pk, True)]
        text = html(page)
        assert "Anh chị em ruột" in text and "Cùng mẹ." in text and other.child.full_name in text
        assert reverse("cases:case_detail", args=[other.pk]) in text
    # Linked: no longer suggested.
    assert http.get(detail_url(an)).context["link_suggestions"] == []


def test_unlinking_needs_a_reason_ends_the_link_and_keeps_it_and_the_pair_may_be_linked_again(
    officer_a, chair_a, cases
):
    an, binh = cases["an"], cases["binh"]
    link = case_link(actor=officer_a, case=an, other=binh.pk, kind="siblings", reason="Cùng mẹ.")
    refused = client_for(chair_a).post(unlink_url(binh), {"link": str(link.pk), "end_reason": "  "})
    assert said(refused) == ["Cần ghi lý do bỏ liên kết."]
    link.refresh_from_db()
    assert link.ended_at is None

    http = client_for(chair_a)
    done = http.post(unlink_url(binh), {"link": str(link.pk), "end_reason": "Nhầm: khác mẹ."})
    assert said(done) == ["Đã bỏ liên kết hồ sơ."]
    link.refresh_from_db()
    assert (link.ended_by, link.end_reason, link.ended_at is not None) == (chair_a, "Nhầm: khác mẹ.", True)
    assert case_links_for(chair_a, an) == []
    assert "Chưa liên kết với hồ sơ nào." in html(http.get(detail_url(an)))
    assert AuditEntry.objects.filter(action=CaseAction.UNLINK).count() == 2

    again = case_link(actor=chair_a, case=binh, other=an.pk, kind="other", reason="Cùng lớp.")
    assert CaseLink.objects.count() == 2 and (again.low_id, again.high_id) == (an.pk, binh.pk)


# --- bad input: nothing changed, clear words -----------------------------------------------------------------------


def test_a_case_cannot_be_linked_to_itself(officer_a, cases):
    an = cases["an"]
    response = client_for(officer_a).post(link_url(an), {"other": str(an.pk), "kind": "other", "reason": "Thử."})

    assert said(response) == ["Không thể liên kết một hồ sơ với chính nó."]
    assert not CaseLink.objects.exists() and link_audit() == 0


def test_a_case_out_of_reach_is_refused_in_the_words_of_a_missing_one(officer_a, cases):
    an, dung = cases["an"], cases["dung"]
    missing = max(Case.all_objects.values_list("pk", flat=True)) + 100

    data = {"kind": "siblings", "reason": "Cùng mẹ."}
    across = client_for(officer_a).post(link_url(an), {"other": f"HS-{dung.pk:06d}", **data})
    nowhere = client_for(officer_a).post(link_url(an), {"other": f"HS-{missing:06d}", **data})

    assert said(across) == [f"Không tìm thấy hồ sơ HS-{dung.pk:06d} trong địa bàn của bạn."]
    assert said(nowhere) == [f"Không tìm thấy hồ sơ HS-{missing:06d} trong địa bàn của bạn."]
    assert not CaseLink.objects.exists() and link_audit() == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"other": "abc", "kind": "siblings", "reason": "x"}, "Nhập số hồ sơ, ví dụ HS-000123."),
        ({"other": "HS-1", "kind": "cousins", "reason": "x"}, "Chọn loại liên kết."),
        ({"other": "HS-1", "kind": "siblings", "reason": " "}, "Cần ghi lý do liên kết."),
        ({"other": "", "kind": "siblings", "reason": "x"}, "Nhập số hồ sơ, ví dụ HS-000123."),
    ],
)
def test_a_form_without_a_number_a_kind_or_a_reason_is_refused(officer_a, cases, data, words):
    response = client_for(officer_a).post(link_url(cases["an"]), data)

    assert response.status_code == 302
    assert said(response) == [words]
    assert not CaseLink.objects.exists()


def test_linking_twice_is_refused(officer_a, cases):
    an, binh = cases["an"], cases["binh"]
    case_link(actor=officer_a, case=an, other=binh.pk, kind="siblings", reason="Cùng mẹ.")

    response = client_for(officer_a).post(link_url(binh), {"other": str(an.pk), "kind": "other", "reason": "Lại."})

    assert said(response) == ["Hai hồ sơ này đã được liên kết."]
    assert CaseLink.objects.count() == 1


def test_the_administrator_reads_links_but_may_not_link(administrator, cases):
    response = client_for(administrator).post(
        link_url(cases["an"]), {"other": str(cases["binh"].pk), "kind": "siblings", "reason": "Cùng mẹ."}
    )

    assert said(response) == ["Vai trò của bạn không liên kết hồ sơ."]
    assert not CaseLink.objects.exists()
    page = client_for(administrator).get(detail_url(cases["an"]))
    assert page.context["can_link"] is False and "Liên kết hồ sơ</button>" not in html(page)


def test_outsiders_and_partners_get_404_and_change_nothing(officer_b, police, officer_x, cases):
    an, binh = cases["an"], cases["binh"]
    link = case_link(actor=cases["an"].officer, case=an, other=binh.pk, kind="siblings", reason="Cùng mẹ.")
    for person in (officer_b, police, officer_x):
        http = client_for(person)
        assert (
            http.post(link_url(an), {"other": str(cases["cuong"].pk), "kind": "other", "reason": "x"}).status_code
            == 404
        )
        assert http.post(unlink_url(an), {"link": str(link.pk), "end_reason": "x"}).status_code == 404
    assert CaseLink.objects.filter(ended_at__isnull=True).count() == 1
    assert link_audit() == 2


# --- a link across two communes: shown only to whom reaches both ---------------------------------------------------


def test_the_supervisor_links_across_communes_and_each_commune_sees_nothing_of_the_other(
    supervisor, officer_a, officer_b, chair_a, cases
):
    an, dung = cases["an"], cases["dung"]
    sup = client_for(supervisor)
    suggested = [(s.case.pk, s.kind) for s in sup.get(detail_url(an)).context["link_suggestions"]]
    assert (dung.pk, "siblings") in suggested  # the supervisor reaches both communes

    response = sup.post(link_url(an), {"other": str(dung.pk), "kind": "same_perpetrator", "reason": "Cùng bố dượng."})
    assert said(response) == ["Đã liên kết hồ sơ."]
    link = CaseLink.objects.get()
    assert [x.other.pk for x in case_links_for(supervisor, an)] == [dung.pk]

    for person, case, hidden in ((officer_a, an, dung), (chair_a, an, dung), (officer_b, dung, an)):
        page = client_for(person).get(detail_url(case))
        text = html(page)
        assert page.context["links"] == []
        assert "Chưa liên kết với hồ sơ nào." in text
        assert f"HS-{hidden.pk:06d}" not in text and hidden.child.full_name not in text and "Cùng bố dượng." not in text
        # Nor may they end it: the link is unknown to them.
        ended = client_for(person).post(unlink_url(case), {"link": str(link.pk), "end_reason": "x"})
        assert said(ended) == ["Không tìm thấy liên kết này."]
    link.refresh_from_db()
    assert link.ended_at is None


def test_the_api_case_detail_lists_the_links_in_reach_only(supervisor, officer_a, administrator, cases):
    an, binh, dung = cases["an"], cases["binh"], cases["dung"]
    case_link(actor=officer_a, case=an, other=binh.pk, kind="siblings", reason="Cùng mẹ.")
    case_link(actor=supervisor, case=an, other=dung.pk, kind="same_perpetrator", reason="Cùng bố dượng.")
    url = reverse("api:case_detail", args=[an.pk])

    mine = person_http(officer_a).get(url).json()["links"]
    assert mine == [
        {
            "id": CaseLink.objects.get(high=binh).pk,
            "kind": {"code": "siblings", "label": "Anh chị em ruột"},
            "reason": "Cùng mẹ.",
            "at": mine[0]["at"],
            "case": {
                "id": binh.pk,
                "number": f"HS-{binh.pk:06d}",
                "commune": {"code": binh.unit.code, "name": binh.unit.name},
                "child_name": "Nguyễn Văn Bình",
            },
        }
    ]
    assert [x["case"]["id"] for x in person_http(supervisor).get(url).json()["links"]] == [binh.pk, dung.pk]
    assert len(person_http(administrator).get(url).json()["links"]) == 2


# --- suggestions and numbers ----------------------------------------------------------------------------------------


def test_a_childs_earlier_closed_case_is_suggested_as_a_repeat(officer_a, make_report, cases):
    an = cases["an"]
    Case.objects.filter(pk=an.pk).update(state=CaseState.CLOSED)
    report = make_report(officer_a)
    report_attach_child(actor=officer_a, report=report, child=an.child)
    again = report.cases.get()

    found = [(s.case.pk, s.kind) for s in case_link_suggestions(officer_a, again)]

    assert (an.pk, "repeat") in found
    assert (an.pk, "repeat") not in [(s.case.pk, s.kind) for s in case_link_suggestions(officer_a, an)]


def test_a_carer_without_a_phone_suggests_no_one(officer_a, cases):
    Carer.objects.filter(child=cases["cuong"].child).delete()
    Carer.objects.create(child=cases["cuong"].child, full_name="Lê Văn Bố", phone="")
    Carer.objects.create(child=cases["an"].child, full_name="Không số", phone="")

    assert case_link_suggestions(officer_a, cases["cuong"]) == []


@pytest.mark.parametrize(
    ("typed", "pk"),
    [("HS-000123", 123), ("hs 123", 123), ("123", 123), (" HS000042 ", 42), ("HS-", None), ("abc", None), ("0", None)],
)
def test_a_case_number_is_read_as_typed(typed, pk):
    assert case_number_pk(typed) == pk


def test_the_service_refuses_an_unknown_kind_and_an_empty_reason(officer_a, cases):
    an, binh = cases["an"], cases["binh"]
    with pytest.raises(Exception, match="Chọn loại liên kết."):
        case_link(actor=officer_a, case=an, other=binh.pk, kind="cousins", reason="x")
    with pytest.raises(Exception, match="Cần ghi lý do liên kết."):
        case_link(actor=officer_a, case=an, other=binh.pk, kind="siblings", reason="   ")
    link = case_link(actor=officer_a, case=an, other=binh.pk, kind="siblings", reason="Cùng mẹ.")
    with pytest.raises(Exception, match="Không tìm thấy liên kết này."):
        case_unlink(actor=officer_a, case=cases["cuong"], link=link.pk, reason="x")
    assert link_audit() == 2
