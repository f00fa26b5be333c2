"""childprotect: case management for child protection under Luật Trẻ em 2016 and NĐ 56/2017."""

from __future__ import annotations

# Load the Celery app whenever Django starts so that @shared_task binds to it.
from .celery import app as celery_app

__all__ = ["celery_app"]
