"""The instants the suite's clock stands at (the `clock` fixture of tests/support/fixtures.py), in Hà Nội time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)  # the clock's default: ages and deadlines never depend on the day run
RECEIVED_AT = dt.datetime(2026, 11, 20, 8, 30, tzinfo=TZ)  # when the default report was received
# The first 6-month period of 2026 (15/12/2025–14/06/2026, due 15/06/2026): its last day, sending opens.
JUNE = dt.datetime(2026, 6, 14, 9, 0, tzinfo=TZ)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)
