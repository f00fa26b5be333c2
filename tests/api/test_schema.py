"""The OpenAPI description (drf-spectacular): valid, with no warning, for every endpoint of the API."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_the_schema_is_valid_without_a_single_warning(tmp_path):
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    schema = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "/api/v1/me/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["maTruyCap"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["maTruyCap"]["description"],
    }
    assert schema["paths"]["/api/v1/me/"]["get"]["security"] == [{"maTruyCap": []}, {"phienDangNhap": []}]
