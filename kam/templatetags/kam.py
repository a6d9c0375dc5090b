"""Shared presentation helpers: coloured badges and times shown in a named zone."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.html import format_html

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
def in_zone(value, zone_name):
    """The same instant on another zone's clock."""
    if not isinstance(value, dt.datetime) or not zone_name:
        return value
    return timezone.localtime(value, ZoneInfo(zone_name))


@register.simple_tag
def zoned(value, zone_name=None, fmt="j M Y, H:i"):
    """A time with its zone named, e.g. “24 Nov 2026, 10:00 GST”; the user's own zone when none is given."""
    if not isinstance(value, dt.datetime):
        return "—"
    from django.utils.dateformat import format as date_format

    local = timezone.localtime(value, ZoneInfo(zone_name)) if zone_name else timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{} <span class="text-body-secondary small">{}</span></time>',
        value.astimezone(dt.UTC).isoformat(),
        local.tzinfo.key if hasattr(local.tzinfo, "key") else "",
        date_format(local, fmt),
        local.tzname(),
    )


@register.simple_tag
def now_in(zone_name, fmt="H:i"):
    from django.utils.dateformat import format as date_format

    return date_format(timezone.localtime(timezone.now(), ZoneInfo(zone_name)), fmt)
