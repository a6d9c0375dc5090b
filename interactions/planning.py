"""Call planning rules: pure functions of a restaurant's calendar and its call history.

Nothing here reads the clock or the database; callers pass `now` and the facts. Every instant that
goes in or comes out is timezone-aware; calendar dates are in the restaurant's own zone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

logger = logging.getLogger(__name__)

# A restaurant closed on its weekly day plus a long festival run still opens within this many days;
# past it the calendar data is wrong, and we plan the call anyway rather than never.
MAX_DAYS_AHEAD = 60

DEFAULT_WINDOWS: tuple[tuple[dt.time, dt.time], ...] = ((dt.time(10), dt.time(12)), (dt.time(15), dt.time(18)))


def parse_windows(raw) -> tuple[tuple[dt.time, dt.time], ...]:
    """[["10:00", "12:00"], ...] → ((time(10), time(12)), ...), sorted. Raises ValueError when malformed."""
    if raw in (None, "", []):
        return DEFAULT_WINDOWS
    windows = []
    for pair in raw:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError('Each calling window is a pair of times: ["10:00", "12:00"].')
        start, end = (dt.time.fromisoformat(str(v)) for v in pair)
        if start >= end:
            raise ValueError(f"A calling window must end after it starts ({start:%H:%M}–{end:%H:%M}).")
        windows.append((start, end))
    windows.sort()
    for (_, end_a), (start_b, _) in zip(windows, windows[1:], strict=False):
        if start_b < end_a:
            raise ValueError("Calling windows must not overlap.")
    return tuple(windows)


def format_windows(windows) -> str:
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in windows)


@lru_cache(maxsize=256)
def _holiday_calendar(country: str, subdivision: str) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        return None


@lru_cache(maxsize=1024)
def holiday_subdivision(country: str, state: str) -> str:
    """The `holidays` subdivision code for a free-text state ("Karnataka" or "KA"), or "" if unknown."""
    try:
        cls = holidays.country_holidays(country).__class__
    except NotImplementedError:
        return ""
    state = (state or "").strip()
    if state.upper() in cls.subdivisions:
        return state.upper()
    aliases = {k.casefold(): v for k, v in getattr(cls, "subdivisions_aliases", {}).items()}
    return aliases.get(state.casefold(), "")


@dataclass(frozen=True)
class RestaurantCalendar:
    """When a restaurant can be called: its zone, daily calling windows, weekly closed day and holidays."""

    tz: ZoneInfo
    windows: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_WINDOWS
    closed_weekday: int | None = None
    country: str = "IN"
    subdivision: str = ""

    @classmethod
    def for_lead(cls, lead) -> RestaurantCalendar:
        try:
            windows = parse_windows(lead.calling_windows)
        except (ValueError, TypeError):
            # Forms validate windows with parse_windows; a bad value that slipped in another way (a raw
            # admin edit, an import) must not stop every call on the account from being logged.
            logger.warning("Lead %s: malformed calling windows %r, using the defaults", lead.pk, lead.calling_windows)
            windows = DEFAULT_WINDOWS
        return cls(
            tz=ZoneInfo(lead.time_zone),
            windows=windows,
            closed_weekday=lead.closed_weekday,
            country=(lead.country or "").upper(),
            subdivision=holiday_subdivision((lead.country or "").upper(), lead.state),
        )

    def holiday_name(self, day: dt.date) -> str | None:
        calendar = _holiday_calendar(self.country, self.subdivision) if self.country else None
        return calendar.get(day) if calendar is not None else None

    def next_holiday(self, day: dt.date, *, within_days: int) -> tuple[dt.date, str] | None:
        """The first public holiday from `day` on, if there is one within `within_days` days."""
        for offset in range(within_days + 1):
            candidate = day + dt.timedelta(days=offset)
            name = self.holiday_name(candidate)
            if name:
                return candidate, name
        return None

    def is_open(self, day: dt.date) -> bool:
        return day.weekday() != self.closed_weekday and self.holiday_name(day) is None

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def _window_bounds(self, day: dt.date):
        for start, end in self.windows:
            yield (
                dt.datetime.combine(day, start, tzinfo=self.tz).astimezone(dt.UTC),
                dt.datetime.combine(day, end, tzinfo=self.tz).astimezone(dt.UTC),
            )

    def first_open_day(self, day: dt.date) -> dt.date:
        for offset in range(MAX_DAYS_AHEAD):
            candidate = day + dt.timedelta(days=offset)
            if self.is_open(candidate):
                return candidate
        return day

    def first_slot_on(self, day: dt.date) -> dt.datetime:
        """The opening of the first calling window on `day`, or on the first open day after it."""
        open_day = self.first_open_day(day)
        start, _ = next(self._window_bounds(open_day))
        return start

    def first_slot_at_or_after(self, moment: dt.datetime) -> dt.datetime:
        """The earliest instant at or after `moment` that is inside a calling window on an open day."""
        day = self.local_date(moment)
        for offset in range(MAX_DAYS_AHEAD):
            candidate = day + dt.timedelta(days=offset)
            if not self.is_open(candidate):
                continue
            for start, end in self._window_bounds(candidate):
                if moment < end:
                    return max(moment, start)
        return self.first_slot_on(day + dt.timedelta(days=1))


@dataclass(frozen=True)
class CallPlan:
    due_at: dt.datetime | None
    due_date: dt.date | None  # in the restaurant's zone

    @classmethod
    def none(cls) -> CallPlan:
        return cls(None, None)


def plan_next_call(
    *,
    calendar: RestaurantCalendar,
    frequency_days: int | None,
    is_open_for_calls: bool,
    created_at: dt.datetime,
    last_connected_call_at: dt.datetime | None,
    follow_up_at: dt.datetime | None,
) -> CallPlan:
    """When the next call to an account is due.

    - no frequency, lost or archived: no plan;
    - an explicit follow-up (callback time, retry after no answer, rescheduled by the KAM) wins, unless a
      connected call came after it;
    - otherwise the date of the last connected call + the frequency, in the restaurant's zone, moved to the
      first calling window of the first open day;
    - never connected yet: due at the first calling slot after the lead was created (first contact).
    """
    if not frequency_days or not is_open_for_calls:
        return CallPlan.none()
    # A follow-up that a later connected call has already met is spent (e.g. the restaurant rang first).
    if follow_up_at is not None and (last_connected_call_at is None or follow_up_at > last_connected_call_at):
        due_at = follow_up_at
    elif last_connected_call_at is not None:
        due_day = calendar.local_date(last_connected_call_at) + dt.timedelta(days=frequency_days)
        due_at = calendar.first_slot_on(due_day)
    else:
        due_at = calendar.first_slot_at_or_after(created_at)
    return CallPlan(due_at=due_at, due_date=calendar.local_date(due_at))


def retry_after_unanswered(*, calendar: RestaurantCalendar, called_at: dt.datetime) -> dt.datetime:
    """No answer or busy: try again in the first calling window of the restaurant's next open day."""
    return calendar.first_slot_on(calendar.local_date(called_at) + dt.timedelta(days=1))


def rescheduled_to(*, calendar: RestaurantCalendar, day: dt.date) -> dt.datetime:
    """The KAM moved the call to `day` (in the restaurant's zone): its first calling slot, skipping closed days."""
    return calendar.first_slot_on(day)
