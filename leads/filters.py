"""The one FilterSet of the lead list, shared by the page and the API (`/leads/?…` and `/api/v1/leads/?…`)."""

import datetime as dt

import django_filters
import django_filters.constants
import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from contacts.models import Contact
from kam.models import Role
from kam.timezones import local_day_bounds
from leads.models import LeadStatus
from performance.models import Classification


class Due(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    TODAY = "today", "Due by end of today"
    WEEK = "week", "Due within 7 days"
    NONE = "none", "No call plan"


class Archived(models.TextChoices):
    ACTIVE = "", "Active"
    ONLY = "only", "Archived only"
    ALL = "all", "Active and archived"


def owner_choices(request):
    """Owners a user may filter by: themselves, and for a manager their team (an admin: every KAM)."""
    User = get_user_model()
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return User.objects.none()
    if user.role == Role.ADMIN:
        return User.objects.filter(role__in=[Role.KAM, Role.MANAGER])
    return User.objects.filter(Q(pk=user.pk) | Q(manager=user))


def new_owner_choices(user):
    """Who a user may give a new account to: themselves, and the active KAMs of their team (an admin: every active
    KAM). Unlike the filter's choices, nobody deactivated and nobody who is no longer a KAM."""
    User = get_user_model()
    return User.objects.filter(is_active=True).filter(Q(pk=user.pk) | Q(pk__in=User.objects.team_of(user).values("pk")))


def search_condition(text: str) -> Q:
    """Restaurant name, legal name, city, or a contact's name or phone number (typed in any usual way)."""
    text = text.strip()
    contacts = Q(name__icontains=text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4:
        try:
            parsed = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
            if phonenumbers.is_valid_number(parsed):
                digits = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
        except phonenumbers.NumberParseException:
            pass
        contacts |= Q(phone__contains=digits.lstrip("0"))
    return (
        Q(name__icontains=text)
        | Q(legal_name__icontains=text)
        | Q(city__iexact=text)
        | Exists(Contact.objects.filter(contacts, lead=OuterRef("pk")))
    )


class LeadOrderingFilter(django_filters.OrderingFilter):
    """Sorting that pages predictably: empty dates last either way, and the id as the final tie-breaker."""

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            if param in django_filters.constants.EMPTY_VALUES:
                continue
            field = self.get_ordering_value(param)
            name = field.lstrip("-")
            ordering.append(F(name).desc(nulls_last=True) if field.startswith("-") else F(name).asc(nulls_last=True))
        return qs.order_by(*ordering, "pk")


class LeadFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search", max_length=100)
    # distinct=False: status is a column of the lead itself, so no join can repeat a row; django-filter's default
    # DISTINCT would sort every matching row on all its columns (and wrap the page count in a subquery).
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices, distinct=False)
    city = django_filters.CharFilter(lookup_expr="iexact", max_length=80)
    owner = django_filters.ModelChoiceFilter(queryset=owner_choices, label="KAM")
    due = django_filters.ChoiceFilter(choices=Due.choices, method="filter_due", label="Call due")
    classification = django_filters.ChoiceFilter(
        field_name="performance__classification", choices=Classification.choices, label="Performance"
    )
    archived = django_filters.ChoiceFilter(
        choices=Archived.choices, method="filter_archived", label="Archived", empty_label=None
    )
    ordering = LeadOrderingFilter(
        fields=(
            ("name", "name"),
            ("city", "city"),
            ("status", "status"),
            ("owner__first_name", "owner"),
            ("next_call_at", "next_call"),
            ("last_call_at", "last_call"),
            ("created_at", "created"),
        ),
        label="Sort by",
    )

    class Meta:
        fields = ["search", "status", "city", "owner", "due", "classification", "archived"]

    def __init__(self, *args, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_condition(value))

    def filter_due(self, queryset, name, value):
        user = self.request.user
        today = self.now.astimezone(user.zone).date()
        start_of_today, end_of_today = local_day_bounds(today, user.zone)
        if value == Due.NONE:
            return queryset.filter(next_call_at__isnull=True)
        if value == Due.OVERDUE:
            return queryset.filter(next_call_at__lt=start_of_today)
        if value == Due.WEEK:
            return queryset.filter(next_call_at__lt=end_of_today + dt.timedelta(days=7))
        return queryset.filter(next_call_at__lt=end_of_today)

    def filter_archived(self, queryset, name, value):
        return queryset  # applied in filter_queryset, because "active only" is the default with no value

    def filter_queryset(self, queryset, *, ignore: tuple[str, ...] = ()):
        """Apply every valid filter; an invalid one (?status=bogus) is left out and reported by the form.

        `ignore` leaves some filters out, e.g. the status for the per-status counts of the list.
        """
        archived = self.form.cleaned_data.get("archived") or Archived.ACTIVE
        if archived == Archived.ONLY:
            queryset = queryset.filter(is_archived=True)
        elif archived == Archived.ACTIVE:
            queryset = queryset.filter(is_archived=False)
        for name, value in self.form.cleaned_data.items():
            if name not in ignore:
                queryset = self.filters[name].filter(queryset, value)
        return queryset
