"""Test settings: settings.py (DATABASE_URL and CELERY_BROKER_URL still choose the servers), made fast."""

from __future__ import annotations

import os

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not the in-memory default: the real-worker test's thread then shares the database through SQLite's
    # ordinary locking (WAL, busy timeout) instead of shared-cache table locks that fail at once.
    # One file per test process, so that two suites run side by side do not share it; pytest-django removes it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
LANGUAGE_CODE = "vi"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
