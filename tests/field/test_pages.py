"""The field app's pages (docs/field.md): the shell (signed-in people only, no personal data), the service worker
(its headers, its precache list with every static file the shell uses), the manifest, the JavaScript catalog, the
menu link, and the web logout's Clear-Site-Data."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from childprotect.field.views import precache_list

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_shell_is_for_signed_in_people_only(client):
    response = client.get(reverse("field:app"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/field/"


def test_the_shell_holds_no_personal_data(officer_a):
    response = signed_in(officer_a).get(reverse("field:app"))
    assert response.status_code == 200
    page = response.content.decode()
    for personal in (officer_a.username, officer_a.full_name, "csrfmiddlewaretoken"):
        assert personal not in page
    assert response["Cache-Control"] == "no-store, private"  # the browser's own cache: the service worker keeps it
    # The shell's parts the two halves of the app rely on.
    for part in (
        'id="bar"',
        'id="net"',
        'id="pending"',
        'id="sync-now"',
        'id="lock-now"',
        'id="logout"',
        'id="tabs"',
        'id="lock"',
        'id="view"',
    ):
        assert part in page, part
    for tab in ("#/", "#/report", "#/child", "#/cases", "#/queue"):
        assert f'href="{tab}"' in page
    # The catalog first, as a classic script; then the entry module.
    catalog = page.index('<script src="/jsi18n/?lang=vi">')
    assert catalog < page.index('<script type="module" src="/static/field/js/app.js">')
    assert "<style" not in page and " style=" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []  # no inline script (the CSP)


def test_the_service_worker_is_served_with_its_configuration(client):
    response = client.get(reverse("field:sw"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/field/"
    assert response["Cache-Control"] == "no-cache"
    text = response.content.decode()
    found = re.search(r"self\.FIELD_SW = (\{.*\});", text)
    assert found is not None
    config = json.loads(found.group(1))
    assert text.rstrip().endswith('importScripts("/static/field/sw.js");')
    assert config["scope"] == config["shell"] == "/field/"
    precache = set(config["precache"])
    assert {"/field/", "/field/manifest.webmanifest", "/jsi18n/?lang=vi"} <= precache
    assert {
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/field/field.css",
        "/static/field/js/store.js",
        "/static/field/js/lock.js",
        "/static/field/js/shell.js",
        "/static/field/js/app.js",
        "/static/field/icons/icon-192.png",
        "/static/field/icons/icon-512.png",
        "/static/field/icons/icon-maskable-512.png",
    } <= precache
    assert not [url for url in precache if url.startswith("/api/")]
    assert "/static/field/sw.js" not in precache  # the worker's own code is the browser's to check


def test_every_precached_static_file_exists():
    urls, version = precache_list()
    assert version.endswith("-vi")
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url


def test_the_version_follows_the_language(client):
    vi = client.get(reverse("field:sw")).content.decode()
    client.cookies["django_language"] = "en"
    en = client.get(reverse("field:sw")).content.decode()
    assert vi != en and "/jsi18n/?lang=en" in en


def test_the_manifest(client):
    response = client.get(reverse("field:manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Bảo vệ trẻ em – Ghi ngoại tuyến"
    assert manifest["start_url"] == manifest["scope"] == manifest["id"] == "/field/"
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon
    assert [icon["purpose"] for icon in manifest["icons"]] == ["any", "any", "maskable"]


def test_the_javascript_catalog_gives_gettext(client):
    response = client.get(reverse("javascript-catalog"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "django.gettext" in text and "globals.interpolate" in text


def test_the_menu_links_the_field_app_for_caseworkers(officer_a, police):
    link = '<a class="nav-link" href="/field/">Ứng dụng ngoại tuyến</a>'
    assert link in signed_in(officer_a).get(reverse("home")).content.decode()
    assert link not in signed_in(police).get(reverse("home")).content.decode()


def test_every_page_loads_the_logout_guard(officer_a):
    page = signed_in(officer_a).get(reverse("home")).content.decode()
    assert '<script src="/static/field/js/guard.js" defer></script>' in page
    assert re.search(
        r'<form method="post" action="/accounts/logout/"[^>]* data-logout data-unsent="[^"]*{n}[^"]*">', page
    )


def test_the_web_logout_clears_the_sites_data(officer_a):
    client = signed_in(officer_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get(reverse("field:app")).status_code == 302  # signed out
