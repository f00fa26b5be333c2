"""Language, time zone and dd/mm/yyyy formats in both languages; production settings pass `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.utils import formats, translation

REPO_ROOT = Path(__file__).resolve().parents[2]
LANGS = ["vi", "en"]


def test_language_is_vietnamese_with_english_available():
    assert settings.LANGUAGE_CODE == "vi"
    assert "en" in dict(settings.LANGUAGES)
    assert "vi" in dict(settings.LANGUAGES)


def test_time_zone_is_ho_chi_minh_and_aware():
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ is True


@pytest.mark.parametrize("lang", LANGS)
def test_short_date_format_is_day_month_year_in_both_languages(lang):
    with translation.override(lang):
        assert formats.date_format(date(2026, 1, 5), "SHORT_DATE_FORMAT") == "05/01/2026"
        assert formats.date_format(date(2026, 1, 5)) == "05/01/2026"


@pytest.mark.parametrize("lang", LANGS)
def test_date_field_accepts_day_month_year_in_both_languages(lang):
    with translation.override(lang):
        assert forms.DateField().clean("05/01/2026") == date(2026, 1, 5)


@pytest.mark.parametrize("lang", LANGS)
def test_date_field_rejects_an_impossible_date(lang):
    with translation.override(lang), pytest.raises(forms.ValidationError):
        forms.DateField().clean("31/02/2026")


@pytest.mark.parametrize("lang", LANGS)
def test_date_field_does_not_read_month_first(lang):
    # 13/01/2026 is only valid day-first; 01/13/2026 (the US reading) must be refused.
    with translation.override(lang):
        assert forms.DateField().clean("13/01/2026") == date(2026, 1, 13)
        with pytest.raises(forms.ValidationError):
            forms.DateField().clean("01/13/2026")


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}}
    env.update(
        {
            "DJANGO_PRODUCTION": "1",
            "ALLOWED_HOSTS": "childprotect.example.vn",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
            "CHILDPROTECT_VAR_DIR": str(tmp_path / "var"),
        }
    )
    return env


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("proxies", ["10.0.0.1/8", "proxy.example.vn", "127.0.0.1,garbage"])
def test_a_trusted_proxy_that_is_no_address_or_network_refuses_to_start(tmp_path, proxies):
    result = _manage(["check"], _production_env(tmp_path) | {"TRUSTED_PROXIES": proxies})
    assert result.returncode != 0
    assert "does not appear to be an IPv4 or IPv6 network" in result.stderr or "has host bits set" in result.stderr


def test_trusted_proxies_are_read_as_a_list(tmp_path):
    script = "from django.conf import settings; print(settings.TRUSTED_PROXIES)"
    result = _manage(["shell", "-c", script], _production_env(tmp_path) | {"TRUSTED_PROXIES": "172.22.21.0/24, ::1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['172.22.21.0/24', '::1']"
