"""The production settings with one more URL, for `benchmark http` only: Django admin's changelist of Case.

The issue's yardstick for the national case list is "what a user would pick instead", Django admin's changelist of the
same cases. Cases are deliberately absent from the product's admin (cases/admin.py: every read of them goes through
the selectors), so only the benchmark's own server, started on a copy of the data, mounts them at /bench-admin/.
"""

from childprotect.settings import *  # noqa: F403

ROOT_URLCONF = "devtools.bench.admin_urls"
