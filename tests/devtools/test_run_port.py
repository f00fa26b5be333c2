"""`PORT=8102 make run`: the web server listens there and the links in e-mails point there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.management.commands.runall import launch_plan

REPO = Path(__file__).resolve().parents[2]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PORT", "CHILDPROTECT_SITE_URL", "MAKEFLAGS", "MFLAGS"}}
    return {**env, **extra}


def _site_url(env: dict[str, str]) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.CHILDPROTECT_SITE_URL)"
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "childprotect.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_site_url_in_emails_follows_port():
    assert _site_url(_clean_env()) == "http://127.0.0.1:8000"
    assert _site_url(_clean_env(PORT="8102")) == "http://127.0.0.1:8102"
    # An explicit address (production, a proxy) wins.
    assert _site_url(_clean_env(PORT="8102", CHILDPROTECT_SITE_URL="https://treem.example.vn")) == (
        "https://treem.example.vn"
    )


def test_runall_listens_on_port_and_tells_the_worker_the_same_address():
    commands, env = launch_plan(None, _clean_env(PORT="8102"))
    assert commands["web"][-1] == "127.0.0.1:8102"
    # The worker sends the e-mails: its links must point at the web server just started.
    assert env["PORT"] == "8102"
    assert env["CHILDPROTECT_SITE_URL"] == "http://127.0.0.1:8102"


def test_runall_defaults_to_8000_and_an_explicit_addrport_wins():
    commands, env = launch_plan(None, _clean_env())
    assert commands["web"][-1] == "127.0.0.1:8000"
    assert env["CHILDPROTECT_SITE_URL"] == "http://127.0.0.1:8000"

    commands, env = launch_plan("0.0.0.0:9000", _clean_env(PORT="8102"))  # noqa: S104 (not bound here)
    assert commands["web"][-1] == "0.0.0.0:9000"
    assert env["CHILDPROTECT_SITE_URL"] == "http://127.0.0.1:9000"

    _, env = launch_plan(None, _clean_env(PORT="8102", CHILDPROTECT_SITE_URL="https://treem.example.vn"))
    assert env["CHILDPROTECT_SITE_URL"] == "https://treem.example.vn"


def _runall_line(env: dict[str, str], *args: str) -> str:
    """The runall line `make -n run` would execute (nothing is run)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [make, "-n", "run", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    lines = [line for line in result.stdout.splitlines() if "runall" in line]
    assert lines, result.stdout
    return lines[-1]


def test_make_run_passes_port_to_runall_from_the_environment_or_an_argument():
    for line in (_runall_line(_clean_env(PORT="8102")), _runall_line(_clean_env(), "PORT=8102")):
        assert "PORT=8102" in line and "127.0.0.1:8102" in line, line


def test_make_run_defaults_to_port_8000():
    assert "127.0.0.1:8000" in _runall_line(_clean_env())
