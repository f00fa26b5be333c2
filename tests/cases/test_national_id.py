"""The national ID number is no oracle.

Inside the officer's reach, a number already in the registry is refused and the officer is told to pick the child
(as before). Outside it, the registration (or the edit) goes through exactly as with a number nobody has: the officer
learns nothing. The two records are flagged for whoever sees both (a supervisor over both communes): on each child's
page and in the children list's "same ID" filter; the audit log records the shared number by the children's numbers.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Child
from cases.services import ChildData, child_register, child_update
from childprotect.audit.models import AuditEntry
from childprotect.celery import app as celery_app
from childprotect.core.models import ImportJob, ImportStatus
from tests.factories import UserFactory, unit
from tests.support.places import OTHER_PROVINCE_COMMUNE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

TAKEN = "038215000123"  # officer B's child's number (commune B, outside officer A's reach)
FREE = "038215000999"  # nobody's
SHARED_FLAG = "Trùng mã định danh"


def child_post(national_id: str, name: str = "Lê Thị Bình") -> dict[str, str]:
    return {
        "full_name": name,
        "date_of_birth": "05/03/2015",
        "sex": "female",
        "residence_unit": "14797",
        "national_id": national_id,
        "carer_name": "Lê Văn Hải",
        "carer_relation": "Bố",
        "carer_phone": "0912 345 678",
        "confirm_new": "on",
    }


@pytest.fixture
def childs_b(officer_b, make_child, commune_b):
    return make_child(officer_b, full_name="Trần Thị Bích", residence_unit=commune_b, national_id=TAKEN)


def shape(response) -> tuple:
    """What the officer sees of a registration: status, where it leads (ids blanked), and the messages."""
    location = re.sub(r"\d+", "N", response.get("Location", ""))
    texts = [re.sub(r"\d+", "N", str(m)) for m in get_messages(response.wsgi_request)]
    return response.status_code, location, texts


def test_inside_reach_the_officer_is_told_as_before(client, officer_a, make_child):
    make_child(officer_a, national_id=TAKEN)
    client.force_login(officer_a)
    response = client.post(reverse("cases:child_create"), child_post(TAKEN))
    assert response.status_code == 200
    assert "Mã định danh này đã có trong sổ theo dõi" in response.content.decode()
    assert Child.objects.filter(national_id=TAKEN).count() == 1


def test_outside_reach_an_existing_number_looks_like_a_new_one(client, officer_a, childs_b):
    other_session = Client()
    other_session.force_login(officer_a)
    with_free = other_session.post(reverse("cases:child_create"), child_post(FREE))
    client.force_login(officer_a)
    with_taken = client.post(reverse("cases:child_create"), child_post(TAKEN))
    assert shape(with_taken) == shape(with_free)
    assert with_taken.status_code == 302
    mine = Child.objects.get(national_id=TAKEN, residence_unit=officer_a.unit)
    page = client.get(reverse("cases:child_detail", args=[mine.pk])).content.decode()
    assert SHARED_FLAG not in page and childs_b.full_name not in page
    # The shared number is on record: the audit entry names both children by number only.
    entry = AuditEntry.objects.get(action="child.national_id_shared", object_id=str(mine.pk))
    assert entry.changes == {"also_on": [f"Trẻ em #{childs_b.pk}"]}
    assert TAKEN not in str(entry.changes)


def test_outside_reach_registering_from_a_report_goes_through_too(client, officer_a, childs_b, make_report):
    report = make_report(officer_a)
    client.force_login(officer_a)
    response = client.post(
        reverse("cases:report_children", args=[report.pk]), {"action": "register", **child_post(TAKEN)}
    )
    assert response.status_code == 302
    assert report.children.get().national_id == TAKEN


def test_an_edit_outside_reach_goes_through_and_inside_reach_is_refused(officer_a, make_child, childs_b):
    mine = make_child(officer_a, full_name="Lê Thị Bình")
    updated = child_update(actor=officer_a, child=mine, data=_data(mine, TAKEN), version=mine.version)
    assert updated.national_id == TAKEN
    assert AuditEntry.objects.filter(action="child.national_id_shared", object_id=str(mine.pk)).exists()
    other = make_child(officer_a, full_name="Lê Văn Cường")
    with pytest.raises(Exception, match="thuộc một trẻ em khác"):
        child_update(actor=officer_a, child=other, data=_data(other, TAKEN), version=other.version)


def _data(child, national_id):
    return ChildData(
        full_name=child.full_name,
        sex=child.sex,
        residence_unit=child.residence_unit,
        date_of_birth=child.date_of_birth,
        national_id=national_id,
    )


def test_a_supervisor_over_both_communes_sees_the_flag(client, officer_a, officer_b, supervisor, childs_b):
    client.force_login(officer_a)
    client.post(reverse("cases:child_create"), child_post(TAKEN))
    mine = Child.objects.get(national_id=TAKEN, residence_unit=officer_a.unit)

    client.force_login(supervisor)
    for child, other in ((mine, childs_b), (childs_b, mine)):
        page = client.get(reverse("cases:child_detail", args=[child.pk])).content.decode()
        assert SHARED_FLAG in page
        assert reverse("cases:child_detail", args=[other.pk]) in page
    listed = client.get(reverse("cases:child_list"), {"shared_id": "on"}).context["page"].object_list
    assert {c.pk for c in listed} == {mine.pk, childs_b.pk}

    # Officer B, who sees only her own child, learns nothing either.
    client.force_login(officer_b)
    page = client.get(reverse("cases:child_detail", args=[childs_b.pk])).content.decode()
    assert SHARED_FLAG not in page
    assert not client.get(reverse("cases:child_list"), {"shared_id": "on"}).context["page"].object_list


def test_an_import_does_not_reveal_a_number_held_outside_the_area(
    client, supervisor, django_capture_on_commit_callbacks
):
    """The Hà Nội child's number, imported by Thanh Hóa's supervisor: a new child like any other, and flagged."""

    hanoi = unit(OTHER_PROVINCE_COMMUNE)
    officer_x = UserFactory(username="officer_x", unit=hanoi)
    theirs = child_register(
        actor=officer_x,
        data=ChildData(full_name="Lê Hoàng Xuân", sex="male", residence_unit=hanoi, birth_year=2015, national_id=TAKEN),
    )
    content = (
        "\ufeffHọ và tên,Năm sinh,Giới tính,Mã định danh,Mã xã\n"
        f"Nguyễn Văn Minh,2016,Nam,{TAKEN},14797\n"
        f"Nguyễn Văn Tâm,2016,Nam,{FREE},14797\n"
    ).encode()
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        client.force_login(supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("imports"), {"kind": "children", "file": SimpleUploadedFile("t.csv", content)})
        job = ImportJob.objects.get()
        assert job.status == ImportStatus.CHECKED, job.plan["errors"]
        assert (job.plan["create"], job.plan["update"], job.plan["errors"]) == (2, 0, [])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("import_confirm", args=[job.pk]))
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before
    minh = Child.objects.get(full_name="Nguyễn Văn Minh")
    assert minh.national_id == TAKEN
    entry = AuditEntry.objects.get(action="child.national_id_shared", object_id=str(minh.pk))
    assert entry.changes == {"also_on": [f"Trẻ em #{theirs.pk}"]}
