"""The call planning rules as plain functions: explicit instants, no clock, no database."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from interactions.planning import (
    DEFAULT_WINDOWS,
    RestaurantCalendar,
    format_windows,
    holiday_subdivision,
    parse_windows,
    plan_next_call,
    rescheduled_to,
    retry_after_unanswered,
)

KOLKATA, DUBAI, LONDON = ZoneInfo("Asia/Kolkata"), ZoneInfo("Asia/Dubai"), ZoneInfo("Europe/London")
UTC = dt.UTC


def at(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


def india(**kwargs):
    return RestaurantCalendar(tz=KOLKATA, country="IN", **kwargs)


def plan(calendar, **facts):
    defaults = {
        "frequency_days": 7,
        "is_open_for_calls": True,
        "created_at": at(UTC, 2026, 1, 1),
        "last_connected_call_at": None,
        "follow_up_at": None,
    }
    return plan_next_call(calendar=calendar, **{**defaults, **facts})


# --- calling windows --------------------------------------------------------------------------------------


def test_default_windows_are_mid_morning_and_mid_afternoon():
    assert parse_windows(None) == DEFAULT_WINDOWS == parse_windows([])
    assert format_windows(DEFAULT_WINDOWS) == "10:00–12:00, 15:00–18:00"


def test_windows_are_sorted_and_validated():
    assert parse_windows([["15:00", "17:00"], ["09:30", "11:00"]]) == (
        (dt.time(9, 30), dt.time(11)),
        (dt.time(15), dt.time(17)),
    )
    for bad in ([["12:00", "10:00"]], [["10:00", "12:00"], ["11:00", "13:00"]], [["10:00"]], [["ten", "12:00"]]):
        with pytest.raises(ValueError):
            parse_windows(bad)


def test_malformed_windows_on_a_lead_fall_back_to_the_defaults():
    lead = SimpleNamespace(
        pk=1, time_zone="Asia/Kolkata", calling_windows="garbage", closed_weekday=None, country="IN", state=""
    )
    assert RestaurantCalendar.for_lead(lead).windows == DEFAULT_WINDOWS


def test_calendar_for_a_lead_maps_its_state_to_a_holiday_subdivision():
    lead = SimpleNamespace(
        pk=1,
        time_zone="Europe/London",
        calling_windows=[["09:00", "11:00"]],
        closed_weekday=6,
        country="gb",
        state="England",
    )
    calendar = RestaurantCalendar.for_lead(lead)
    assert (calendar.tz, calendar.country, calendar.subdivision, calendar.closed_weekday) == (LONDON, "GB", "ENG", 6)
    assert holiday_subdivision("IN", "Karnataka") == "KA" == holiday_subdivision("IN", "ka")
    assert holiday_subdivision("IN", "Atlantis") == ""
    assert holiday_subdivision("XX", "Anything") == ""


# --- the restaurant's calendar ----------------------------------------------------------------------------


def test_public_holidays_and_the_weekly_closed_day_are_not_open():
    calendar = india(closed_weekday=0)  # closed on Mondays
    assert calendar.holiday_name(dt.date(2026, 11, 24)) == "Guru Nanak's Birthday"
    assert not calendar.is_open(dt.date(2026, 11, 24))
    assert not calendar.is_open(dt.date(2026, 11, 23))  # a Monday
    assert calendar.is_open(dt.date(2026, 11, 25))
    uae = RestaurantCalendar(tz=DUBAI, country="AE")
    assert not uae.is_open(dt.date(2026, 12, 2)) and not uae.is_open(dt.date(2026, 12, 3))
    assert uae.is_open(dt.date(2026, 12, 4))


def test_an_unknown_country_has_no_holidays():
    assert RestaurantCalendar(tz=UTC, country="XX").is_open(dt.date(2026, 12, 25))


def test_next_holiday_within_a_horizon():
    calendar = india()
    assert calendar.next_holiday(dt.date(2026, 11, 20), within_days=14) == (
        dt.date(2026, 11, 24),
        "Guru Nanak's Birthday",
    )
    assert calendar.next_holiday(dt.date(2026, 11, 25), within_days=14) is None


def test_first_slot_skips_closed_days_and_holidays():
    # Monday 23 Nov is the closed day and Tuesday 24 Nov a holiday: Wednesday's first window.
    calendar = india(closed_weekday=0)
    assert calendar.first_slot_on(dt.date(2026, 11, 23)) == at(KOLKATA, 2026, 11, 25, 10)


def test_first_slot_at_or_after_stays_inside_a_window():
    calendar = india()
    day = dt.date(2026, 11, 25)
    assert calendar.first_slot_at_or_after(at(KOLKATA, 2026, 11, 25, 8)) == at(KOLKATA, 2026, 11, 25, 10)
    assert calendar.first_slot_at_or_after(at(KOLKATA, 2026, 11, 25, 11, 30)) == at(KOLKATA, 2026, 11, 25, 11, 30)
    assert calendar.first_slot_at_or_after(at(KOLKATA, 2026, 11, 25, 13)) == at(KOLKATA, 2026, 11, 25, 15)
    assert calendar.first_slot_at_or_after(at(KOLKATA, 2026, 11, 25, 18)) == at(KOLKATA, 2026, 11, 26, 10)
    assert calendar.local_date(at(UTC, 2026, 11, 24, 20)) == day  # 01:30 on the 25th in Kolkata


# --- plan_next_call ---------------------------------------------------------------------------------------


def test_next_due_is_the_last_connected_day_plus_the_frequency_in_the_first_window():
    result = plan(india(), last_connected_call_at=at(KOLKATA, 2026, 11, 2, 17, 30))
    assert result.due_at == at(KOLKATA, 2026, 11, 9, 10)
    assert result.due_date == dt.date(2026, 11, 9)


def test_the_frequency_counts_days_on_the_restaurants_calendar_not_utc():
    # 23:30 UTC on 1 Nov is already 2 Nov in Kolkata: due 2 + 7 = 9 Nov.
    result = plan(india(), last_connected_call_at=at(UTC, 2026, 11, 1, 23, 30))
    assert result.due_date == dt.date(2026, 11, 9)


def test_a_due_day_on_a_holiday_moves_to_the_next_open_day():
    result = plan(india(), last_connected_call_at=at(KOLKATA, 2026, 11, 17, 11))
    assert result.due_at == at(KOLKATA, 2026, 11, 25, 10)  # 24 Nov is Guru Nanak's Birthday


def test_a_due_day_on_the_closed_day_moves_to_the_next_open_day():
    result = plan(india(closed_weekday=2), last_connected_call_at=at(KOLKATA, 2026, 11, 11, 11))  # Wed + 7 = Wed
    assert result.due_at == at(KOLKATA, 2026, 11, 19, 10)


def test_uae_national_day_is_skipped():
    uae = RestaurantCalendar(tz=DUBAI, country="AE")
    result = plan(uae, frequency_days=1, last_connected_call_at=at(DUBAI, 2026, 12, 1, 16))
    assert result.due_at == at(DUBAI, 2026, 12, 4, 10)


def test_custom_windows_decide_the_hour():
    calendar = india(windows=((dt.time(16), dt.time(17, 30)),))
    assert plan(calendar, last_connected_call_at=at(KOLKATA, 2026, 11, 2, 16, 5)).due_at == at(KOLKATA, 2026, 11, 9, 16)


def test_first_contact_is_due_at_once():
    created = at(KOLKATA, 2026, 11, 25, 11, 15)
    assert plan(india(), created_at=created).due_at == created
    # Created in the evening: the first window of the next open day.
    assert plan(india(), created_at=at(KOLKATA, 2026, 11, 23, 19)).due_at == at(KOLKATA, 2026, 11, 25, 10)


@pytest.mark.parametrize(
    "facts",
    [{"frequency_days": None}, {"frequency_days": 0}, {"is_open_for_calls": False}],
    ids=["no frequency", "zero frequency", "lost or archived"],
)
def test_no_plan(facts):
    result = plan(india(), last_connected_call_at=at(KOLKATA, 2026, 11, 2, 11), **facts)
    assert result.due_at is None and result.due_date is None


def test_an_explicit_follow_up_wins_over_the_frequency():
    follow_up = at(KOLKATA, 2026, 11, 4, 16, 45)
    result = plan(india(), last_connected_call_at=at(KOLKATA, 2026, 11, 2, 11), follow_up_at=follow_up)
    assert result.due_at == follow_up and result.due_date == dt.date(2026, 11, 4)


def test_a_follow_up_met_by_a_later_connected_call_is_spent():
    result = plan(
        india(),
        follow_up_at=at(KOLKATA, 2026, 11, 3, 10),
        last_connected_call_at=at(KOLKATA, 2026, 11, 3, 9, 30) + dt.timedelta(hours=1),
    )
    assert result.due_at == at(KOLKATA, 2026, 11, 10, 10)


# --- after an unanswered call, a callback, a snooze -------------------------------------------------------


def test_no_answer_is_retried_in_the_first_window_of_the_next_day():
    assert retry_after_unanswered(calendar=india(), called_at=at(KOLKATA, 2026, 11, 25, 11)) == at(
        KOLKATA, 2026, 11, 26, 10
    )


def test_no_answer_before_a_holiday_and_a_closed_day_waits_for_the_next_open_day():
    calendar = india(closed_weekday=2)  # closed on Wednesdays; 24 Nov (Tue) is a holiday
    assert retry_after_unanswered(calendar=calendar, called_at=at(KOLKATA, 2026, 11, 23, 16)) == at(
        KOLKATA, 2026, 11, 26, 10
    )


def test_reschedule_lands_in_the_first_window_of_the_chosen_day_or_the_next_open_one():
    assert rescheduled_to(calendar=india(), day=dt.date(2026, 11, 27)) == at(KOLKATA, 2026, 11, 27, 10)
    assert rescheduled_to(calendar=india(), day=dt.date(2026, 11, 24)) == at(KOLKATA, 2026, 11, 25, 10)


# --- daylight saving time ---------------------------------------------------------------------------------


def test_london_across_the_spring_change():
    # Clocks go forward on Sunday 29 March 2026: 10:00 is 10:00 UTC on Friday, 09:00 UTC from Sunday.
    london = RestaurantCalendar(tz=LONDON, country="")
    result = plan(london, frequency_days=3, last_connected_call_at=at(UTC, 2026, 3, 27, 10, 30))
    assert result.due_date == dt.date(2026, 3, 30)
    assert result.due_at == at(UTC, 2026, 3, 30, 9)
    assert retry_after_unanswered(calendar=london, called_at=at(UTC, 2026, 3, 28, 16)) == at(UTC, 2026, 3, 29, 9)


def test_london_across_the_autumn_change():
    # Clocks go back on Sunday 25 October 2026: 10:00 is 09:00 UTC on Saturday, 10:00 UTC on Sunday.
    london = RestaurantCalendar(tz=LONDON, country="")
    assert rescheduled_to(calendar=london, day=dt.date(2026, 10, 24)) == at(UTC, 2026, 10, 24, 9)
    assert rescheduled_to(calendar=london, day=dt.date(2026, 10, 25)) == at(UTC, 2026, 10, 25, 10)
    # 23:30 UTC on Saturday is already 00:30 on Sunday in London (BST); on Sunday night it is 23:30 GMT.
    assert london.local_date(at(UTC, 2026, 10, 24, 23, 30)) == dt.date(2026, 10, 25)
    assert london.local_date(at(UTC, 2026, 10, 25, 23, 30)) == dt.date(2026, 10, 25)
