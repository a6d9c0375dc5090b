"""Presentation helpers for calls: plain-text clock times in a named zone, and how late a call is."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.simple_tag
def clock(value, zone_name=None, fmt="H:i"):
    """`value` on the wall clock of `zone_name` (default: the active zone), as plain text.

    Django's date and time filters would convert an aware value back to the active zone; this keeps the
    zone asked for.
    """
    if not isinstance(value, dt.datetime):
        return ""
    local = timezone.localtime(value, ZoneInfo(zone_name)) if zone_name else timezone.localtime(value)
    return date_format(local, fmt)


@register.filter
def overdue_label(days):
    """3 → "3 days overdue"; 0 → "due today"."""
    if not days:
        return "due today"
    return f"{days} day{'s' if days != 1 else ''} overdue"
