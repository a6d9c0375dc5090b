"""Serializer fields shared by every app's API."""

import datetime as dt

from rest_framework import serializers

# Instants outside this range are typing mistakes, and past its end the call-planning arithmetic overflows.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id resolved only within the requester's scope (`Model.objects.visible_to(user)`).

    An id the requester may not see is answered exactly like one that does not exist, so a request body
    can never be used to probe other KAMs' accounts.
    """

    def __init__(self, model, **kwargs):
        self.scoped_model = model
        if not kwargs.get("read_only"):
            kwargs["queryset"] = model.objects.none()  # for the schema's id type; the real one is per request
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scoped_model.objects.visible_to(getattr(request, "user", None))


class InstantField(serializers.DateTimeField):
    """An ISO 8601 instant; written with an offset (a value without one is read as UTC), always answered in UTC."""

    default_error_messages = {"range": "Give a time between 2000 and 2100."}

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", dt.UTC)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not EARLIEST <= result < LATEST:
            self.fail("range")
        return result


class CalendarDateField(serializers.DateField):
    default_error_messages = {"range": "Give a date between 2000 and 2100."}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not EARLIEST.date() <= result < LATEST.date():
            self.fail("range")
        return result
