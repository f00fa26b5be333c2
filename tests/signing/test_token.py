"""Signing with a PKCS#11 token, on SoftHSM2 (Debian package softhsm2, installed by .ci/system-packages test): a token
made at test time holds the chair's key (made by the test CA); the chair registers it by its label with the PIN on the
certificates page and signs Mẫu 05 with the PIN; the key never leaves the token, the PIN is never kept or logged."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.urls import reverse

from cases.models import CaseState
from childprotect.signing.models import CertificateSource, SignedDocument, SigningCertificate
from tests.support.certificates import Authority
from tests.support.pages import html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN = "childprotect-test"
PIN = "482913"
LABEL = "chu-tich-a"


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory):
    """A SoftHSM2 token holding the chair's key and certificate (issued by the module's CA), labelled LABEL."""
    util = shutil.which("softhsm2-util")
    if util is None or not MODULE.exists():
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2; .ci/system-packages test installs it)")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOFTHSM2_CONF", str(conf))
    ca = Authority.make()
    key, cert = ca.issue("Lê Văn Thắng")
    key_file = root / "key.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    run = [util, "--pin", PIN]
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [util, "--init-token", "--free", "--label", TOKEN, "--so-pin", "0000", "--pin", PIN],
        check=True,
        capture_output=True,
    )
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [*run, "--import", str(key_file), "--token", TOKEN, "--label", LABEL, "--id", "01"],
        check=True,
        capture_output=True,
    )
    key_file.unlink()  # the key exists only on the token from here on

    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.x509 import decode_x509_certificate

    token = pkcs11.lib(str(MODULE)).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        attrs = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
        session.create_object({**attrs, Attribute.TOKEN: True, Attribute.LABEL: LABEL, Attribute.ID: b"\x01"})
    yield ca
    mp.undo()


@pytest.fixture
def on_token(softhsm, settings, tmp_path):
    settings.CHILDPROTECT_PKCS11_MODULE = str(MODULE)
    settings.CHILDPROTECT_PKCS11_TOKEN_LABEL = TOKEN
    settings.CHILDPROTECT_SIGNING_TRUST_ROOTS = [softhsm.write(tmp_path / "root.pem")]
    return softhsm


def test_the_chair_registers_the_key_on_the_token_and_signs_mau05_with_the_pin(
    client, chair_a, on_token, case_at, caplog
):
    caplog.set_level(logging.DEBUG)
    client.force_login(chair_a)
    url = reverse("signing:certificates")
    wrong = client.post(url, {"source": "pkcs11", "label": LABEL, "pin": "000000"})
    assert "Sai mã PIN" in html(wrong) and not SigningCertificate.objects.exists()
    missing = client.post(url, {"source": "pkcs11", "label": "khong-co", "pin": PIN})
    assert "Không tìm thấy khoá" in html(missing)
    assert client.post(url, {"source": "pkcs11", "label": LABEL, "pin": PIN}).status_code == 302
    certificate = SigningCertificate.objects.get(owner=chair_a)
    assert certificate.source == CertificateSource.PKCS11 and certificate.pkcs12 is None
    assert certificate.common_name == "Lê Văn Thắng"

    step = case_at(CaseState.IMPLEMENTING).steps.get(action="approve_plan")
    sign_url = reverse("signing:sign", args=["plan-approval", step.pk])
    found = re.search(r'name="digest" value="(\w+)"', html(client.get(sign_url)))
    assert found is not None
    post = {"certificate": certificate.pk, "digest": found.group(1)}
    assert "Sai mã PIN" in html(client.post(sign_url, {**post, "passphrase": "111111"}))
    assert not SignedDocument.objects.exists()
    assert client.post(sign_url, {**post, "passphrase": PIN}).status_code == 302

    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    document = SignedDocument.objects.get()
    root = asn1_x509.Certificate.load(on_token.cert.public_bytes(serialization.Encoding.DER))
    sig = PdfFileReader(io.BytesIO(bytes(document.pdf))).embedded_signatures[0]
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root], allow_fetching=False))
    assert status.bottom_line and status.signing_cert.subject.native["common_name"] == "Lê Văn Thắng"
    assert "Chữ ký hợp lệ" in html(client.get(reverse("signing:document", args=[document.pk])))
    assert PIN not in caplog.text
