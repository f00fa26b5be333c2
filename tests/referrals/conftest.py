"""Referral tests: a case in commune A, and referrals from it to the police agency of commune A (the cast's `police`
partner) built through the services. The modules of this folder freeze the clock at 20/11/2026 09:00 and run Celery
in-process (`pytest.mark.usefixtures("clock", "eager_celery")`)."""

from __future__ import annotations

import pytest

from childprotect.agencies.models import Agency, AgencyType
from referrals.models import Consent, Urgency
from referrals.services import ReferralData, referral_act, referral_create
from tests.factories import AgencyFactory, UserFactory
from tests.support.builders import open_case


@pytest.fixture
def health_agency(commune_a) -> Agency:
    return AgencyFactory(name="Trạm Y tế phường Hạc Thành", agency_type=AgencyType.HEALTH, unit=commune_a)


@pytest.fixture
def health(health_agency):
    """The health partner: a second agency in commune A that nothing is referred to unless a test says so."""
    from childprotect.accounts.models import Role

    return UserFactory(
        username="health", full_name="Đỗ Thị Lan", role=Role.PARTNER, unit=health_agency.unit, agency=health_agency
    )


@pytest.fixture
def case(officer_a, make_report, make_child):
    """A case in commune A (Nguyễn Văn An, born 05/03/2015: 11 years old on the frozen day)."""
    return open_case(officer_a, make_report, make_child, carer_is_perpetrator=False)


@pytest.fixture
def referral_data(police_agency):
    def build(**overrides) -> ReferralData:
        values = {
            "agency": police_agency,
            "urgency": Urgency.URGENT,
            "services_requested": "Điều tra, xác minh hành vi bạo lực; bảo vệ an toàn cho trẻ.",
            "message": "Trẻ đang ở nhà bà ngoại, tổ dân phố 5. Liên hệ bà ngoại trước khi đến.",
            "child_consent": Consent.GIVEN,
            "carer_consent": Consent.GIVEN,
        }
        values.update(overrides)
        return ReferralData(**values)

    return build


@pytest.fixture
def draft(officer_a, case, referral_data):
    """draft(**overrides) -> a draft Referral of the case (to the police unless told)."""

    def build(**overrides):
        return referral_create(actor=officer_a, case=case, data=referral_data(**overrides))

    return build


@pytest.fixture
def sent(officer_a, draft, police):
    """sent(**overrides) -> a Referral sent to the agency (the police partner exists, so the grant has a holder)."""

    def build(**overrides):
        referral = draft(**overrides)
        referral_act(actor=officer_a, referral=referral, action="send", version=referral.version)
        referral.refresh_from_db()
        return referral

    return build
