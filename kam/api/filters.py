"""Filters shared by the API's FilterSets: choices restricted to the requester's scope, days in their zone."""

import datetime as dt

import django_filters
from django.core.validators import MaxValueValidator, MinValueValidator
from django_filters.constants import EMPTY_VALUES

from kam.timezones import local_day_bounds

_DAY_RANGE = [MinValueValidator(dt.date(2000, 1, 1)), MaxValueValidator(dt.date(2099, 12, 31))]


class ScopedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """An id among the objects the requester may see; any other id is an invalid choice (400), not a leak."""

    def __init__(self, *, model, **kwargs):
        kwargs["queryset"] = lambda request: model.objects.visible_to(getattr(request, "user", None))
        super().__init__(**kwargs)


class LocalDayFilter(django_filters.DateFilter):
    """A calendar day in the requester's own zone: `bound="from"` keeps that day on, `bound="to"` up to its end."""

    def __init__(self, *, bound: str, **kwargs):
        assert bound in ("from", "to")
        self.bound = bound
        kwargs.setdefault("validators", _DAY_RANGE)
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        start, end = local_day_bounds(value, self.parent.request.user.zone)
        if self.bound == "from":
            return qs.filter(**{f"{self.field_name}__gte": start})
        return qs.filter(**{f"{self.field_name}__lt": end})
