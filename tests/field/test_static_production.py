"""The field app after `collectstatic` with production's storage (childprotect/static_storage.py): the modules import
each other by their hashed names, and the service worker precaches exactly those names, so the app opens offline."""

from __future__ import annotations

import re
from typing import cast

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage, staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

from childprotect.field.views import precache_list

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

# Left out to keep the test short: other apps' files, none of which the field app uses.
OTHER_APPS = ["admin", "rest_framework", "drf_spectacular_sidecar", "import_export", "guardian", "*otp*", "chartjs"]
IMPORT = re.compile(r"""(?:import|from)\s*(?:[^'";]*?\sfrom\s*)?["'](\./[^"']+\.js)["']""")


def test_the_modules_import_the_hashed_names_the_worker_precaches(tmp_path):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "childprotect.static_storage.StaticStorage"}}
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path, DEBUG=False):
        # (Django's test signals make the lazy storage object again for the settings above, and after them.)
        call_command("collectstatic", "--noinput", verbosity=0, ignore_patterns=OTHER_APPS)
        app = cast(ManifestStaticFilesStorage, staticfiles_storage).stored_name("field/js/app.js")
        assert app != "field/js/app.js"
        precached = set(precache_list()[0])
        assert f"{settings.STATIC_URL}{app}" in precached
        seen: set[str] = set()
        todo = [app]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            folder = name.rsplit("/", 1)[0]
            for target in IMPORT.findall((tmp_path / name).read_text(encoding="utf-8")):
                imported = f"{folder}/{target[2:]}"
                # A hashed name (x.<12 hex>.js) that collectstatic wrote, and the worker keeps.
                assert re.search(r"\.[0-9a-f]{12}\.js$", imported), f"{name} imports {target} unhashed"
                assert (tmp_path / imported).exists()
                assert f"{settings.STATIC_URL}{imported}" in precached, imported
                todo.append(imported)
        assert len(seen) > 5  # app.js, store.js, lock.js, shell.js, api.js, sync.js, the screens
