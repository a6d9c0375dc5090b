"""Forms for logging interactions, recording orders and moving the next call.

They check types and shapes only; the rules (no future times, no outcome on a visit, a contact of this
restaurant…) live in interactions.services and come back as ValidationError, which the views put next to the
right field with kam.forms.add_service_errors.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from contacts.models import Contact
from interactions.models import CallOutcome, InteractionKind
from interactions.planning import RestaurantCalendar

LOCAL_DATETIME = "%Y-%m-%dT%H:%M"
# Which kinds of interaction usually last long enough to be worth a duration.
TIMED_KINDS = {InteractionKind.CALL, InteractionKind.VISIT, InteractionKind.MEETING}


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_DATETIME)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class InteractionForm(forms.Form):
    """One form for every kind: a call asks how it went; a visit or a note does not."""

    outcome = forms.ChoiceField(
        choices=CallOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"required": "Choose how the call went.", "invalid_choice": "Choose how the call went."},
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        empty_label="— no one in particular —",
        error_messages={"invalid_choice": "Choose one of this restaurant's contacts."},
    )
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=LocalDateTimeInput(),
        error_messages={"invalid": "Enter a date and time, e.g. 2026-11-24 10:30."},
    )
    callback_at = forms.DateTimeField(
        label="Call back at",
        required=False,
        widget=LocalDateTimeInput(),
        help_text="The time they asked you to call back.",
        error_messages={"invalid": "Enter a date and time, e.g. 2026-11-24 16:00."},
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)",
        required=False,
        min_value=0,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, lead, kind: str, user, now: dt.datetime, **kwargs):
        # Several rows of the Today list may have a form open at once: element ids carry the lead.
        kwargs.setdefault("auto_id", f"id_{lead.pk}_{kind}_%s")
        super().__init__(*args, **kwargs)
        self.lead, self.kind, self.now = lead, kind, now
        zone_label = f"your time, {user.time_zone}"
        self.fields["occurred_at"].label = f"When ({zone_label})"
        self.fields["occurred_at"].help_text = "Now, or earlier if you are logging it late."
        self.fields["occurred_at"].initial = timezone.localtime(now, user.zone).replace(second=0, microsecond=0)
        self.fields["callback_at"].label = f"Call back at ({zone_label})"
        if user.time_zone != lead.time_zone:
            self.fields[
                "callback_at"
            ].help_text += (
                f" The restaurant is in {lead.time_zone}; it is {timezone.localtime(now, lead.zone):%H:%M} there now."
            )
        contacts = Contact.objects.filter(lead=lead)
        self.fields["contact"].queryset = contacts
        primary = next((c for c in contacts if c.is_primary), None)
        if primary is not None:
            self.fields["contact"].initial = primary.pk
        if kind == InteractionKind.CALL:
            self.fields["outcome"].required = True
        else:
            # Kept (not deleted) so an outcome posted for a visit is refused by the service, not dropped.
            self.fields["outcome"].widget = forms.HiddenInput()
            del self.fields["callback_at"]
        if kind not in TIMED_KINDS:
            del self.fields["duration_minutes"]

    @property
    def is_call(self) -> bool:
        return self.kind == InteractionKind.CALL

    def outcome_buttons(self) -> list[dict]:
        """The outcomes as large toggle buttons: value, label, colour, element id and whether it is picked."""
        picked = self["outcome"].value()
        return [
            {
                "value": outcome.value,
                "label": outcome.label,
                "colour": outcome.colour,
                "id": self.auto_id % f"outcome_{index}",
                "checked": picked == outcome.value,
            }
            for index, outcome in enumerate(CallOutcome)
        ]

    def clean(self):
        cleaned = super().clean()
        # The callback field is hidden unless "Callback requested" is picked; a time left in it after
        # switching to another outcome is not what the KAM meant, so it is dropped rather than refused.
        if self.is_call and cleaned.get("outcome") != CallOutcome.CALLBACK_REQUESTED:
            cleaned["callback_at"] = None
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": self.kind,
            "outcome": data.get("outcome") or "",
            "contact": data.get("contact"),
            "occurred_at": data.get("occurred_at") or self.now,
            "callback_at": data.get("callback_at"),
            "duration_minutes": data.get("duration_minutes"),
            "notes": data.get("notes") or "",
        }


class OrderForm(forms.Form):
    amount = forms.DecimalField(
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        help_text="In INR, e.g. 12500.50.",
        error_messages={"min_value": "The amount cannot be negative.", "invalid": "Enter the amount as a number."},
    )
    item_count = forms.IntegerField(
        label="Items",
        min_value=0,
        max_value=100_000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": "The item count cannot be negative."},
    )
    placed_on = forms.DateField(
        label="Order date",
        widget=DateInput(),
        error_messages={"invalid": "Enter a date, e.g. 2026-11-24."},
    )
    external_ref = forms.CharField(
        label="External reference",
        max_length=64,
        required=False,
        help_text="The order system's id. Recording the same id again shows the order already recorded.",
    )

    # The service's field names that this form shows under another name.
    FIELD_MAP = {"placed_at": "placed_on"}

    def __init__(self, *args, lead, user, now: dt.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead, self.user, self.now = lead, user, now
        self.fields["placed_on"].initial = timezone.localtime(now, user.zone).date()

    def placed_at(self) -> dt.datetime:
        """Today's order is placed now; an earlier day's at noon in the restaurant's zone (its own date)."""
        day = self.cleaned_data["placed_on"]
        if day == timezone.localtime(self.now, self.user.zone).date():
            return self.now
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=self.lead.zone)
        return min(noon, self.now) if day < timezone.localtime(self.now, self.user.zone).date() else noon

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "amount": data["amount"],
            "item_count": data.get("item_count") or 0,
            "placed_at": self.placed_at(),
            "external_ref": data.get("external_ref") or "",
        }


class RescheduleForm(forms.Form):
    QUICK_CHOICES = [("1", "Tomorrow"), ("3", "In 3 days"), ("7", "In a week")]

    day = forms.DateField(
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter a date, e.g. 2026-11-30."},
    )
    quick = forms.TypedChoiceField(choices=QUICK_CHOICES, coerce=int, required=False, widget=forms.HiddenInput())

    def __init__(self, *args, lead, now: dt.datetime, **kwargs):
        kwargs.setdefault("auto_id", f"id_{lead.pk}_reschedule_%s")
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.restaurant_today = RestaurantCalendar.for_lead(lead).local_date(now)
        self.fields["day"].label = f"Next call on (the restaurant's date, {lead.time_zone})"
        self.fields["day"].help_text = "It moves to the first calling window that day, or the next open day."
        self.fields["day"].widget.attrs["min"] = self.restaurant_today.isoformat()
        self.quick_days = [
            (value, label, self.restaurant_today + dt.timedelta(days=int(value))) for value, label in self.QUICK_CHOICES
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("quick"):
            cleaned["day"] = self.restaurant_today + dt.timedelta(days=cleaned["quick"])
        elif not cleaned.get("day") and "day" not in self.errors:
            self.add_error("day", "Choose the day of the next call.")
        return cleaned


class TodayForm(forms.Form):
    """The Today page's day picker (GET)."""

    day = forms.DateField(required=False, widget=DateInput(), error_messages={"invalid": "Enter a valid date."})
