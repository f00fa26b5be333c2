"""What the API's JSON parser refuses before any view reads the body (api/parsers.py), in Vietnamese."""

from __future__ import annotations

import io

import pytest
from rest_framework import exceptions

from api.parsers import JSONParser


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"[" * 100_000, "lồng nhau quá nhiều tầng"),
        (b'{"name": "\\ud800"}', "không phải ký tự"),
        (b'{"name": "\\uZZZZ"}', "không phải JSON hợp lệ (dòng 1, cột"),
        (b'{"name": "\xff"}', "phải là JSON mã hoá UTF-8"),
    ],
)
def test_a_body_no_view_could_use_is_refused_with_why(raw, words):
    with pytest.raises(exceptions.ParseError) as refused:
        JSONParser().parse(io.BytesIO(raw))

    assert words in str(refused.value.detail)


def test_characters_outside_the_basic_plane_are_read_as_they_are():
    assert JSONParser().parse(io.BytesIO(b'{"name": "\\ud83d\\ude00 B\\u00e9"}')) == {"name": "😀 Bé"}
