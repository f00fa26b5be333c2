"""Digital signatures through the pages: a CA made at test time, a signer's PKCS#12 uploaded with its passphrase, Mẫu 05
and a periodic report signed through the web, the stored PDF verified with pyHanko here, tampering detected and
shown, and the refusals (wrong passphrase, expired or someone else's certificate, changed document, already signed,
outsiders and wrong roles) changing nothing. The passphrase appears in no log, audit entry or page."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseState, CaseStep
from childprotect.audit.actions import SigningAction
from childprotect.audit.models import AuditEntry
from childprotect.signing.models import SignedDocument, SigningCertificate
from reporting.models import PeriodicReport
from reporting.periods import PeriodKind
from reporting.services import report_prepare
from tests.support.builders import SEPARATION, act, open_case, report_step
from tests.support.certificates import Authority
from tests.support.clock import JUNE
from tests.support.pages import html, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

PASSPHRASE = "Mật-khẩu-bí-mật-7391"  # noqa: S105 (made up for the test; searched for in logs below)
CHAIR = "Lê Văn Thắng"  # chair_a's full name (tests/conftest.py)


@pytest.fixture(scope="module")
def ca() -> Authority:
    return Authority.make()


@pytest.fixture
def trusted(ca, settings, tmp_path):
    """The test CA is the one trust root (CHILDPROTECT_SIGNING_TRUST_ROOTS)."""
    settings.CHILDPROTECT_SIGNING_TRUST_ROOTS = [ca.write(tmp_path / "root.pem")]
    return ca


@pytest.fixture
def logs(caplog):
    """Every log record of every logger, from DEBUG up."""
    caplog.set_level(logging.DEBUG)
    return caplog


def upload(client, data: bytes, passphrase: str = PASSPHRASE):
    file = io.BytesIO(data)
    file.name = "chu-ky.p12"
    return client.post(reverse("signing:certificates"), {"file": file, "passphrase": passphrase})


def errors(response) -> str:
    return " ".join(
        re.sub(r"\s+", " ", m)
        for m in re.findall(r'class="[^"]*alert-danger[^"]*"[^>]*>(.*?)</div>', html(response), re.S)
    )


def validate(pdf: bytes, ca: Authority):
    """pyHanko's own verdict on the first signature, with the test CA as trust root."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(ca.cert.public_bytes(Encoding.DER))
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return validate_pdf_signature(sig, ValidationContext(trust_roots=[root], allow_fetching=False))


@pytest.fixture
def chair_with_certificate(client, chair_a, trusted):
    client.force_login(chair_a)
    response = upload(client, trusted.pkcs12(CHAIR, PASSPHRASE))
    assert response.status_code == 302, errors(response)
    return SigningCertificate.objects.get(owner=chair_a)


@pytest.fixture
def approval(case_at) -> CaseStep:
    """A case whose plan the chair approved: its approve_plan step is the Mẫu 05 decision."""
    case = case_at(CaseState.IMPLEMENTING)
    return case.steps.get(action="approve_plan")


def sign_url(kind: str, pk: int) -> str:
    return reverse("signing:sign", args=[kind, pk])


def sign(
    client, kind: str, obj, certificate: SigningCertificate, passphrase: str = PASSPHRASE, digest: str | None = None
):
    page = client.get(sign_url(kind, obj.pk))
    assert page.status_code == 200
    if digest is None:
        found = re.search(r'name="digest" value="([0-9a-f]{64})"', html(page))
        assert found is not None
        digest = found.group(1)
    return client.post(
        sign_url(kind, obj.pk), {"certificate": certificate.pk, "passphrase": passphrase, "digest": digest}
    )


# --- certificates ------------------------------------------------------------------------------------------------


def test_a_pkcs12_is_kept_encrypted_with_its_passphrase_and_its_subject_shown(client, chair_with_certificate, logs):
    certificate = chair_with_certificate
    page = html(client.get(reverse("signing:certificates")))
    assert CHAIR in page and certificate.serial in page and PASSPHRASE not in page
    stored = bytes(certificate.pkcs12)
    for wrong in (None, b"", b"other"):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(stored, wrong)
    key, cert, _ = pkcs12.load_key_and_certificates(stored, PASSPHRASE.encode())
    assert key is not None and cert is not None and f"{cert.serial_number:X}" == certificate.serial
    entry = AuditEntry.objects.get(action=SigningAction.CERTIFICATE_ADD)
    assert entry.changes["serial"] == certificate.serial and PASSPHRASE not in str(entry.changes)
    assert PASSPHRASE not in logs.text


@pytest.mark.parametrize(
    ("make", "passphrase", "message"),
    [
        (lambda ca: ca.pkcs12(CHAIR, PASSPHRASE), "sai mật khẩu", "sai mật khẩu"),
        (lambda ca: ca.pkcs12(CHAIR, None), "", "không có mật khẩu"),
        (lambda ca: b"not a pkcs12 file", PASSPHRASE, "không phải PKCS#12"),
        (lambda ca: ca.pkcs12("Nguyễn Văn Khác", PASSPHRASE), PASSPHRASE, "không phải cho"),
        (
            lambda ca: ca.pkcs12(
                CHAIR,
                PASSPHRASE,
                not_before=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            ),
            PASSPHRASE,
            "đã hết hạn",
        ),
    ],
    ids=["wrong passphrase", "no passphrase", "not pkcs12", "someone else's", "expired"],
)
def test_an_unusable_certificate_is_refused_in_vietnamese_and_nothing_kept(
    client, chair_a, trusted, logs, make, passphrase, message
):
    client.force_login(chair_a)
    response = upload(client, make(trusted), passphrase)
    assert response.status_code == 200
    assert message in errors(response)
    assert not SigningCertificate.objects.exists()
    assert not AuditEntry.objects.filter(action=SigningAction.CERTIFICATE_ADD).exists()
    assert PASSPHRASE not in html(response) and PASSPHRASE not in logs.text


def test_a_certificate_is_retired_by_its_owner_only(client, chair_with_certificate, officer_a):
    url = reverse("signing:certificate_revoke", args=[chair_with_certificate.pk])
    client.force_login(officer_a)
    assert client.post(url).status_code == 404
    client.force_login(chair_with_certificate.owner)
    assert client.post(url).status_code == 302
    chair_with_certificate.refresh_from_db()
    assert chair_with_certificate.revoked_at is not None
    assert bytes(chair_with_certificate.pkcs12) == b""  # the encrypted key is erased too


# --- Mẫu 05 ------------------------------------------------------------------------------------------------------


def test_the_chair_signs_mau05_and_its_download_is_the_signed_pdf(
    client, chair_with_certificate, approval, tmp_path, logs
):
    case = approval.case
    response = sign(client, "plan-approval", approval, chair_with_certificate)
    assert response.status_code == 302, errors(response)
    document = SignedDocument.objects.get()
    assert (document.kind, document.object_id, document.signer) == (
        "plan-approval",
        approval.pk,
        chair_with_certificate.owner,
    )
    assert document.cert_serial == chair_with_certificate.serial

    download = client.get(reverse("cases:case_form_pdf", args=[case.pk, "05"]) + f"?step={approval.pk}")
    assert download.status_code == 200 and download.content == bytes(document.pdf)
    assert "PHÊ DUYỆT" in pdf_text(tmp_path, download.content).upper()

    entry = AuditEntry.objects.get(action=SigningAction.SIGN)
    assert entry.changes["kind"] == "plan-approval" and entry.changes["sha256"] == document.sha256
    assert PASSPHRASE not in str(entry.changes) and PASSPHRASE not in logs.text

    page = html(client.get(reverse("signing:document", args=[document.pk])))
    assert "Chữ ký hợp lệ" in page and CHAIR in page
    assert "Đã ký số" in html(client.get(reverse("cases:case_detail", args=[case.pk])))

    again = sign(client, "plan-approval", approval, chair_with_certificate, digest=document.sha256)
    assert f"đã được {CHAIR} ký số" in html(again)
    assert SignedDocument.objects.count() == 1


def test_the_stored_signature_verifies_with_pyhanko(client, chair_with_certificate, approval, trusted, tmp_path):
    sign(client, "plan-approval", approval, chair_with_certificate)
    status = validate(bytes(SignedDocument.objects.get().pdf), trusted)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == CHAIR
    assert status.coverage.name == "ENTIRE_FILE"
    # poppler, independently of pyHanko: the signature is valid over the whole document.
    pdfsig = shutil.which("pdfsig")
    if pdfsig:
        path = tmp_path / "signed.pdf"
        path.write_bytes(bytes(SignedDocument.objects.get().pdf))
        out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=False).stdout  # noqa: S603
        assert "Signature is Valid." in out and "Total document signed" in out and CHAIR in out


def test_flipped_bytes_in_the_stored_pdf_show_an_invalid_signature(client, chair_with_certificate, approval):
    sign(client, "plan-approval", approval, chair_with_certificate)
    document = SignedDocument.objects.get()
    data = bytearray(document.pdf)
    at = data.find(b"stream") + 40  # inside the first content stream: covered by the signature
    data[at] ^= 0x01
    SignedDocument.objects.filter(pk=document.pk).update(pdf=bytes(data))
    page = html(client.get(reverse("signing:document", args=[document.pk])))
    assert "Chữ ký không hợp lệ" in page and "Chữ ký hợp lệ</strong>" not in page


def test_an_update_appended_after_signing_shows_a_modified_document(client, chair_with_certificate, approval, trusted):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    sign(client, "plan-approval", approval, chair_with_certificate)
    document = SignedDocument.objects.get()
    writer = IncrementalPdfFileWriter(io.BytesIO(bytes(document.pdf)))
    writer.root["/Lang"] = generic.pdf_string("en")  # a change to the document after the signature
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    SignedDocument.objects.filter(pk=document.pk).update(pdf=out.getvalue())
    assert validate(out.getvalue(), trusted).coverage.name != "ENTIRE_FILE"
    page = html(client.get(reverse("signing:document", args=[document.pk])))
    assert "đã bị sửa đổi sau khi ký" in page


def test_a_root_that_is_not_configured_shows_not_trusted_rather_than_invalid(
    client, chair_with_certificate, approval, settings, tmp_path
):
    sign(client, "plan-approval", approval, chair_with_certificate)
    settings.CHILDPROTECT_SIGNING_TRUST_ROOTS = [Authority.make("CA khác").write(tmp_path / "other.pem")]
    page = html(client.get(reverse("signing:document", args=[SignedDocument.objects.get().pk])))
    assert "không thuộc tổ chức cung cấp dịch vụ được tin cậy" in page and "không hợp lệ" not in page


def test_a_wrong_passphrase_is_refused_and_changes_nothing(client, chair_with_certificate, approval, logs):
    response = sign(client, "plan-approval", approval, chair_with_certificate, passphrase="sai-mat-khau")
    assert response.status_code == 200 and "Sai mật khẩu chứng thư số" in errors(response)
    assert not SignedDocument.objects.exists()
    assert not AuditEntry.objects.filter(action=SigningAction.SIGN).exists()
    assert "sai-mat-khau" not in html(response) and "sai-mat-khau" not in logs.text


def test_a_certificate_that_expired_since_it_was_added_cannot_sign(client, chair_with_certificate, approval, clock):
    clock.move_to(chair_with_certificate.not_after + dt.timedelta(days=1))
    client.force_login(chair_with_certificate.owner)  # the session of a year ago has expired
    response = sign(client, "plan-approval", approval, chair_with_certificate)
    assert "đã hết hạn" in errors(response)
    assert not SignedDocument.objects.exists()


def test_a_document_changed_since_the_signing_page_was_opened_is_refused(client, chair_with_certificate, approval):
    response = sign(client, "plan-approval", approval, chair_with_certificate, digest="f" * 64)
    assert "đã thay đổi" in errors(response)
    assert not SignedDocument.objects.exists()


def test_every_decision_of_the_chair_is_signed_and_served_signed(
    client, tmp_path, chair_with_certificate, officer_a, make_report, make_child
):
    """The separation (Mẫu 07) and the emergency measures are two decisions of one step: each signed on its own, and
    the decision's download is then the stored signed PDF; Mẫu 02 (the officer's record) is not a signable kind."""
    case = open_case(officer_a, make_report, make_child)
    act(officer_a, case, "assess_initial")
    act(chair_with_certificate.owner, case, "decide_emergency", **SEPARATION, separation_decision_number="12")
    step = case.steps.get(action="decide_emergency")
    client.force_login(chair_with_certificate.owner)
    for kind in ("separation", "emergency"):
        response = sign(client, kind, step, chair_with_certificate)
        assert response.status_code == 302, errors(response)
        document = SignedDocument.objects.get(kind=kind)
        served = client.get(reverse("cases:case_decision_pdf", args=[case.pk, kind]) + f"?step={step.pk}")
        assert b"".join(served.streaming_content if served.streaming else [served.content]) == bytes(document.pdf)
    assert "12/QĐ-UBND" in pdf_text(tmp_path, bytes(SignedDocument.objects.get(kind="separation").pdf))
    assert client.get(sign_url("mau02", step.pk)).status_code == 404


def test_the_case_page_reads_the_signatures_of_all_its_decisions_at_once(
    client, chair_with_certificate, officer_a, make_report, make_child
):
    """However many decisions the timeline holds, their signatures (or the buttons to sign them) cost one query."""
    chair = chair_with_certificate.owner
    case = open_case(officer_a, make_report, make_child)
    act(officer_a, case, "assess_initial")
    act(chair, case, "decide_emergency", **SEPARATION)
    step = case.steps.get(action="decide_emergency")
    client.force_login(chair)
    assert sign(client, "separation", step, chair_with_certificate).status_code == 302

    def signature_reads() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = html(client.get(reverse("cases:case_detail", args=[case.pk])))
        return sum("signing_signeddocument" in q["sql"] for q in queries.captured_queries), page

    reads, page = signature_reads()
    assert reads == 1
    assert page.count("Đã ký số: ") == 1 and page.count(reverse("signing:sign", args=["emergency", step.pk])) == 1
    act(chair, case, "extend_separation")
    act(chair, case, "end_separation")
    reads, page = signature_reads()
    assert reads == 1
    assert page.count("Đã ký số: ") == 1
    for kind, action in (("separation-extension", "extend_separation"), ("separation-end", "end_separation")):
        assert reverse("signing:sign", args=[kind, case.steps.get(action=action).pk]) in page


def test_someone_elses_certificate_cannot_sign(client, chair_with_certificate, approval, trusted, commune_a):
    from tests.factories import UserFactory

    vice = UserFactory(username="vice_a", full_name="Phạm Thị Phó", role="commune_chair", unit=commune_a)
    client.force_login(vice)
    assert upload(client, trusted.pkcs12("Phạm Thị Phó", PASSPHRASE)).status_code == 302
    theirs = SigningCertificate.objects.get(owner=vice)
    client.force_login(chair_with_certificate.owner)  # the chair who approved the plan, with the vice-chair's key
    found = re.search(r'name="digest" value="(\w+)"', html(client.get(sign_url("plan-approval", approval.pk))))
    assert found is not None
    response = client.post(
        sign_url("plan-approval", approval.pk),
        {"certificate": theirs.pk, "passphrase": PASSPHRASE, "digest": found.group(1)},
    )
    assert "không phải của bạn" in errors(response)
    assert not SignedDocument.objects.exists()


def test_only_the_chair_who_took_the_decision_signs_it(client, chair_with_certificate, approval, commune_a):
    """The printed block names the chair who took the step: another chair of the same commune may not sign it."""
    from tests.factories import UserFactory

    vice = UserFactory(username="vice_a", full_name="Phạm Thị Phó", role="commune_chair", unit=commune_a)
    client.force_login(vice)
    assert client.get(sign_url("plan-approval", approval.pk)).status_code == 403
    response = client.post(
        sign_url("plan-approval", approval.pk),
        {"certificate": chair_with_certificate.pk, "passphrase": PASSPHRASE, "digest": "0" * 64},
    )
    assert response.status_code == 403
    assert not SignedDocument.objects.exists()


def test_outsiders_get_404_and_other_roles_403(client, approval, officer_a, officer_b, supervisor, police):
    url = sign_url("plan-approval", approval.pk)
    for user, status in ((officer_b, 404), (police, 404), (officer_a, 403), (supervisor, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.post(url, {"certificate": 1, "passphrase": "x", "digest": "0" * 64}).status_code == status
    assert client.get(sign_url("nosuch", approval.pk)).status_code == 404
    assert not SignedDocument.objects.exists()


# --- the periodic report -----------------------------------------------------------------------------------------


@pytest.mark.clock_at(JUNE)
def test_the_chair_signs_the_sent_periodic_report_and_its_download_is_the_signed_pdf(
    client, chair_with_certificate, officer_a, chair_a, commune_a, trusted, django_capture_on_commit_callbacks, tmp_path
):
    report = report_prepare(actor=officer_a, unit=commune_a, kind=PeriodKind.SEMIANNUAL, year=2026)
    client.force_login(chair_a)
    page = html(client.get(sign_url("periodic_report", report.pk)))
    assert "Báo cáo chưa gửi" in page  # a draft is not signed
    report_step(chair_a, report, "submit", number="12")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:report_pdf", args=[report.pk]))
    report.refresh_from_db()
    assert report.pdf_version == report.version
    assert "Ký số" in html(client.get(reverse("reporting:report_pdf", args=[report.pk])))

    response = sign(client, "periodic_report", report, chair_with_certificate)
    assert response.status_code == 302, errors(response)
    document = SignedDocument.objects.get(kind="periodic_report")
    assert document.version == str(report.version)
    download = client.get(reverse("reporting:report_pdf_download", args=[report.pk]))
    assert b"".join(download.streaming_content) == bytes(document.pdf)
    status = validate(bytes(document.pdf), trusted)
    assert status.bottom_line and status.signing_cert.subject.native["common_name"] == CHAIR
    assert "Đã ký số" in html(client.get(reverse("reporting:report_pdf", args=[report.pk])))
    assert "BÁO CÁO" in pdf_text(tmp_path, bytes(document.pdf)).upper()

    client.force_login(officer_a)  # the preparer does not sign
    assert client.get(sign_url("periodic_report", report.pk)).status_code == 403
    assert PeriodicReport.objects.get(pk=report.pk).version == report.version


def test_the_admin_never_shows_the_key(client, administrator, chair_with_certificate):
    cert = chair_with_certificate
    client.force_login(administrator)
    pages = [
        client.get(reverse("admin:signing_signingcertificate_changelist")),
        client.get(reverse("admin:signing_signingcertificate_change", args=[cert.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "pkcs12" not in html(page) and "tệp PKCS#12 đã mã hoá" not in html(page)
        assert cert.serial in html(page)
