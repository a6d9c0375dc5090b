"""Shared presentation helpers: coloured badges, times shown in a named zone, relative times, sort links."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.simple_tag
def badge(choice, extra_class=""):
    """A badge for a TextChoices member that has a `colour` (status, class, outcome)."""
    if choice in (None, ""):
        return ""
    return format_html(
        '<span class="badge text-bg-{} {}">{}</span>', getattr(choice, "colour", "secondary"), extra_class, choice.label
    )


@register.filter
def lead_status(value):
    """A stored status value as its LeadStatus member, for `{% badge change.to_status|lead_status %}`."""
    from leads.models import LeadStatus

    return LeadStatus(value) if value in LeadStatus.values else None


def _local(value: dt.datetime, zone_name: str | None) -> dt.datetime:
    return timezone.localtime(value, ZoneInfo(zone_name)) if zone_name else timezone.localtime(value)


def zone_label(local: dt.datetime) -> str:
    """The zone's short name at that instant: “IST”, or “UTC+4” where tzdata has no letters (Asia/Dubai)."""
    name = local.tzname() or ""
    if name[:1] not in "+-" or not name:
        return name
    sign, digits = name[0], name[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _zone_key(local: dt.datetime) -> str:
    return getattr(local.tzinfo, "key", "") or local.tzname() or ""


@register.simple_tag
def zoned(value, zone_name=None, fmt="j M Y, H:i"):
    """A time with its zone named, e.g. “24 Nov 2026, 10:00 UTC+4”; the user's own zone when none is given."""
    if not isinstance(value, dt.datetime):
        return "—"
    local = _local(value, zone_name)
    return format_html(
        '<time datetime="{}" title="{}">{} <span class="text-body-secondary small">{}</span></time>',
        value.astimezone(dt.UTC).isoformat(),
        _zone_key(local),
        date_format(local, fmt),
        zone_label(local),
    )


@register.simple_tag
def both_zones(value, zone_name, fmt="D j M, H:i", where="restaurant"):
    """A time in the user's zone, and in `zone_name` too when that clock shows another time.

    E.g. “Tue 24 Nov, 10:00 IST · 08:30 UTC+4 at the restaurant”. Both are labelled, so neither can be misread.
    """
    if not isinstance(value, dt.datetime):
        return "—"
    mine = timezone.localtime(value)
    theirs = _local(value, zone_name)
    shown = zoned(value, None, fmt)
    if mine.utcoffset() == theirs.utcoffset():
        return shown
    other_fmt = "H:i" if mine.date() == theirs.date() else fmt
    return format_html(
        '{} <span class="text-body-secondary small d-inline-block">· {} {} at the {}</span>',
        shown,
        date_format(theirs, other_fmt),
        zone_label(theirs),
        where,
    )


@register.simple_tag
def now_in(zone_name, fmt="H:i"):
    return date_format(timezone.localtime(timezone.now(), ZoneInfo(zone_name)), fmt)


@register.simple_tag
def zone_abbreviation(zone_name):
    """“IST” for Asia/Kolkata, “UTC+4” for Asia/Dubai: what the zone is called right now."""
    return zone_label(timezone.localtime(timezone.now(), ZoneInfo(zone_name)))


def _relative_text(value: dt.datetime, now: dt.datetime, *, overdue: bool) -> str:
    if abs(value - now) < dt.timedelta(minutes=1):
        return "now"
    if value < now:
        span = timesince(value, now, depth=1)
        return f"{span} overdue" if overdue else f"{span} ago"
    return f"in {timeuntil(value, now, depth=1)}"


@register.simple_tag
def relative(value, now=None, overdue=False):
    """“3 days ago” / “in 2 hours” (or “3 days overdue” for due times), with the exact time on hover."""
    if not isinstance(value, dt.datetime):
        return "—"
    now = now or timezone.now()
    local = timezone.localtime(value)
    late = overdue and value < now
    return format_html(
        '<time datetime="{}" title="{}"{}>{}</time>',
        value.astimezone(dt.UTC).isoformat(),
        f"{date_format(local, 'D j M Y, H:i')} {zone_label(local)}",
        format_html(' class="{}"', "text-danger fw-semibold") if late else "",
        _relative_text(value, now, overdue=overdue),
    )


@register.simple_tag(takes_context=True)
def sort_header(context, param, label):
    """A column header link that sorts by `param`, and reverses the order when it already sorts by it.

    Keeps every other filter in the URL (and drops the page number, which no longer means the same rows).
    """
    request = context["request"]
    current = request.GET.get("ordering", "")
    ascending, descending = current == param, current == f"-{param}"
    query = request.GET.copy()
    query.pop("page", None)
    query["ordering"] = f"-{param}" if ascending else param
    icon, state = "bi-arrow-down-up text-body-tertiary", "none"
    if ascending:
        icon, state = "bi-sort-up", "ascending"
    elif descending:
        icon, state = "bi-sort-down", "descending"
    return format_html(
        '<a class="link-body-emphasis text-decoration-none text-nowrap" href="?{}" data-sort-state="{}">{} '
        '<i class="bi {}" aria-hidden="true"></i><span class="visually-hidden">{}</span></a>',
        urlencode(sorted(query.lists()), doseq=True),
        state,
        label,
        icon,
        f"(sorted {state})" if state != "none" else "(sort)",
    )


@register.simple_tag(takes_context=True)
def sort_state(context, param):
    """The aria-sort value of a column header."""
    current = context["request"].GET.get("ordering", "")
    if current == param:
        return "ascending"
    if current == f"-{param}":
        return "descending"
    return "none"
