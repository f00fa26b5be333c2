"""The units of the cast (tests/conftest.py), on the real 2026 list: "<list version>:<code>" as `factories.unit` takes.

Commune A is Phường Hạc Thành, commune B Phường Hàm Rồng, both in Tỉnh Thanh Hóa; the other province's commune is
Phường Ba Đình, Hà Nội.
"""

from __future__ import annotations

PROVINCE, COMMUNE_A, COMMUNE_B = "2026:38", "2026:14797", "2026:14758"
OTHER_PROVINCE_COMMUNE = "2026:00004"  # Phường Ba Đình, Hà Nội
