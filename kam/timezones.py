"""IANA time zones: validation, choices, and the local-day arithmetic every app shares."""

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    # Legacy aliases (US/Eastern, Etc/GMT+5) confuse more than they help in a picker.
    names = sorted(n for n in time_zone_names() if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/")))
    return [(n, n.replace("_", " ")) for n in names]


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            "“%(value)s” is not a time zone. Use an IANA name such as Asia/Kolkata or Asia/Dubai.",
            code="invalid_time_zone",
            params={"value": value},
        )


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where `day` starts and ends in `tz` (end exclusive; DST-safe)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def local_today(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    return now.astimezone(tz).date()
