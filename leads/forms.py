"""Page forms for leads. They check what a person typed; the rules live in leads.services."""

from __future__ import annotations

import phonenumbers
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from phonenumber_field.formfields import PhoneNumberField

from contacts.models import ContactRole
from interactions.planning import parse_windows
from kam.concurrency import EditCheck, edit_token
from kam.forms import EditTokenField
from kam.models import Role, User
from kam.timezones import time_zone_choices
from leads.filters import new_owner_choices
from leads.models import Lead, LeadStatus, Weekday
from leads.services import (
    EDITABLE_FIELDS,
    ReassignmentNotAllowed,
    ReassignResult,
    allowed_next_statuses,
    leads_reassign,
)

PHONE_ERROR = "Enter a valid phone number, e.g. 98765 43210 or +91 98765 43210 (for another country, start with +)."
COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS)
WINDOW_PAIRS = (("window_1_start", "window_1_end"), ("window_2_start", "window_2_end"))


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class LeadForm(forms.ModelForm):
    """The details of a restaurant. Status is not here: it moves only through the transition service."""

    time_zone = forms.ChoiceField(
        label="Restaurant time zone",
        help_text="Calling windows and due dates are in this zone.",
    )
    call_frequency_days = forms.IntegerField(
        label="Call every (days)",
        required=False,
        min_value=1,
        max_value=365,
        help_text="How often to call this account: 1–365 days. Leave empty for no regular calls.",
        error_messages={
            "min_value": "Call frequency is 1–365 days.",
            "max_value": "Call frequency is 1–365 days.",
            "invalid": "Give the number of days between calls, 1–365.",
        },
    )
    closed_weekday = forms.TypedChoiceField(
        label="Closed on",
        choices=[("", "Open every day"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="No call is planned on the weekly closed day.",
    )
    window_1_start = forms.TimeField(label="First window from", required=False, widget=_time_input())
    window_1_end = forms.TimeField(label="First window to", required=False, widget=_time_input())
    window_2_start = forms.TimeField(label="Second window from", required=False, widget=_time_input())
    window_2_end = forms.TimeField(label="Second window to", required=False, widget=_time_input())
    edit_token = EditTokenField()
    country = forms.CharField(
        label="Country",
        max_length=2,
        min_length=2,
        initial="IN",
        help_text="Two-letter code (IN, AE…); decides the public holidays.",
    )

    class Meta:
        model = Lead
        fields = [
            "name",
            "legal_name",
            "segment",
            "city",
            "state",
            "country",
            "address",
            "source",
            "time_zone",
            "call_frequency_days",
            "closed_weekday",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        zone_choices = list(time_zone_choices())
        current = self.instance.time_zone if self.instance.pk else None
        if current and current not in dict(zone_choices):
            zone_choices.insert(0, (current, current))  # an old alias stays selectable, not silently changed
        self.fields["time_zone"].choices = zone_choices
        if self.instance.pk:
            self.initial.setdefault("edit_token", edit_token(self.instance, EDITABLE_FIELDS))
            try:
                windows = parse_windows(self.instance.calling_windows)
            except ValueError:
                windows = ()
            for (start_name, end_name), (start, end) in zip(WINDOW_PAIRS, windows, strict=False):
                self.initial.setdefault(start_name, start)
                self.initial.setdefault(end_name, end)
        else:
            self.initial.setdefault("time_zone", user.time_zone)
            for (start_name, end_name), (start, end) in zip(WINDOW_PAIRS, parse_windows(None), strict=False):
                self.initial.setdefault(start_name, start)
                self.initial.setdefault(end_name, end)
        self.fields["name"].widget.attrs.update(autocomplete="off")
        self.fields["city"].widget.attrs.update(autocomplete="address-level2")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(*self.layout_sections())

    def layout_sections(self):
        return [
            Fieldset(
                "Restaurant",
                Row(Column("name", css_class="col-md-6"), Column("legal_name", css_class="col-md-6")),
                Row(
                    Column("city", css_class="col-sm-6 col-md-4"),
                    Column("state", css_class="col-sm-6 col-md-4"),
                    Column(Field("country", css_class="text-uppercase"), css_class="col-sm-6 col-md-4"),
                ),
                "address",
                Row(Column("segment", css_class="col-md-6"), Column("source", css_class="col-md-6")),
            ),
            Fieldset(
                "Calls",
                Row(
                    Column("time_zone", css_class="col-md-6"),
                    Column("call_frequency_days", css_class="col-sm-6 col-md-3"),
                    Column("closed_weekday", css_class="col-sm-6 col-md-3"),
                ),
                HTML(
                    '<p class="form-label mb-1">Calling windows <span class="text-body-secondary small">'
                    "(restaurant's local time; leave the second empty for one window)</span></p>"
                ),
                Row(
                    Column("window_1_start", css_class="col-6 col-md-3"),
                    Column("window_1_end", css_class="col-6 col-md-3"),
                    Column("window_2_start", css_class="col-6 col-md-3"),
                    Column("window_2_end", css_class="col-6 col-md-3"),
                    css_class="calling-windows",
                ),
            ),
        ]

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_city(self):
        return " ".join(self.cleaned_data["city"].split())

    def clean_country(self):
        code = self.cleaned_data["country"].strip().upper()
        if code not in COUNTRY_CODES:
            raise forms.ValidationError(
                "“%(code)s” is not a country code. Use two letters, e.g. IN or AE.", params={"code": code}
            )
        return code

    def clean(self):
        cleaned = super().clean()
        windows = []
        for start_name, end_name in WINDOW_PAIRS:
            start, end = cleaned.get(start_name), cleaned.get(end_name)
            if start_name in self.errors or end_name in self.errors:
                continue
            if (start is None) != (end is None):
                self.add_error(end_name if end is None else start_name, "Give both a start and an end time.")
                continue
            if start is None:
                continue
            try:
                parse_windows([[start.isoformat("minutes"), end.isoformat("minutes")]])
            except ValueError as exc:
                self.add_error(end_name, str(exc))
                continue
            windows.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
        if not any(name in self.errors for pair in WINDOW_PAIRS for name in pair):
            try:
                # The planner's own parser is the rule, so what is saved is what it can plan with.
                parsed = parse_windows(windows)
            except ValueError as exc:
                self.add_error("window_2_start", str(exc))
            else:
                cleaned["calling_windows"] = [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e in parsed]
        return cleaned

    def edit_check(self) -> EditCheck | None:
        return EditCheck.from_token(self.cleaned_data.get("edit_token", ""))

    def lead_fields(self) -> dict:
        """The cleaned values, named as leads.services expects them."""
        data = {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.cleaned_data}
        data["calling_windows"] = self.cleaned_data["calling_windows"]
        return data


class LeadCreateForm(LeadForm):
    """A new lead, optionally with its first point of contact (whose phone also finds duplicates)."""

    owner = forms.ModelChoiceField(
        label="KAM",
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="Who will own this account.",
    )
    contact_name = forms.CharField(label="Name", max_length=120, required=False)
    contact_role = forms.ChoiceField(
        label="Role", choices=ContactRole.choices, initial=ContactRole.OWNER, required=False
    )
    contact_phone = PhoneNumberField(
        label="Phone", required=False, error_messages={"invalid": PHONE_ERROR}, help_text="Mobile or landline."
    )
    contact_email = forms.EmailField(label="E-mail", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["contact_phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        if user.role in (Role.MANAGER, Role.ADMIN):
            # Choices come from the user's own team: a manager cannot hand an account to another team.
            self.fields["owner"].queryset = new_owner_choices(user).exclude(pk=user.pk)
            self.fields["owner"].empty_label = f"Me ({user})"
            self.fields["time_zone"].choices = [("", "Same as the KAM's zone"), *self.fields["time_zone"].choices]
            self.fields["time_zone"].required = False
            self.initial["time_zone"] = ""
        else:
            del self.fields["owner"]
        self.helper.layout = Layout(*self.layout_sections())

    def layout_sections(self):
        sections = super().layout_sections()
        if "owner" in self.fields:
            sections.insert(0, Fieldset("Owner", Row(Column("owner", css_class="col-md-6"))))
        sections.append(
            Fieldset(
                "Main contact (optional)",
                Row(Column("contact_name", css_class="col-md-6"), Column("contact_role", css_class="col-md-6")),
                Row(
                    Column(Field("contact_phone", type="tel"), css_class="col-md-6"),
                    Column(Field("contact_email", type="email"), css_class="col-md-6"),
                ),
            )
        )
        return sections

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("owner") or self.user
        cleaned["owner"] = owner
        if not cleaned.get("time_zone") and "time_zone" not in self.errors:
            cleaned["time_zone"] = owner.time_zone
        typed_contact = any(self.data.get(self.add_prefix(f"contact_{f}")) for f in ("name", "phone", "email"))
        if typed_contact and not cleaned.get("contact_name") and "contact_name" not in self.errors:
            self.add_error("contact_name", "Give the contact's name, or leave the contact empty.")
        return cleaned

    def contact_fields(self) -> dict | None:
        """The first contact for contacts.services (which checks it), or None when none was typed."""
        if not self.cleaned_data.get("contact_name"):
            return None
        return {
            "name": self.cleaned_data["contact_name"],
            "role": self.cleaned_data.get("contact_role") or ContactRole.OWNER,
            "phone": self.cleaned_data.get("contact_phone") or "",
            "email": self.cleaned_data.get("contact_email") or "",
            "is_primary": True,
        }


class TransitionForm(forms.Form):
    """A move along the pipeline. The page offers only the allowed moves; the service alone decides."""

    status = forms.ChoiceField(label="New status", choices=LeadStatus.choices)
    reason = forms.CharField(
        label="Why was it lost?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when marking the lead lost.",
    )
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.allowed = allowed_next_statuses(lead.status)

    @property
    def advances(self) -> list[LeadStatus]:
        return [s for s in self.allowed if s != LeadStatus.LOST]

    @property
    def can_lose(self) -> bool:
        return LeadStatus.LOST in self.allowed


class ReassignForm(forms.Form):
    """Choose the new KAM for some accounts; used by the admin action, the admin object tool and the lead page."""

    to = forms.ModelChoiceField(
        label="New KAM",
        queryset=User.objects.none(),
        empty_label="Choose a KAM…",
        help_text="A key account manager of your team.",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Territory change, Aarav leaves on 30 November"}),
        help_text="Why the accounts change hands; kept in their history.",
    )
    handover_note = forms.CharField(
        label="Handover note for the new KAM",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Open issues, promises made, who to call first. Shown on each account's page.",
    )

    def __init__(self, *args, by: User, current_owner_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        candidates = User.objects.team_of(by).filter(is_active=True).order_by("first_name", "last_name", "username")
        owners = set(current_owner_ids)
        if len(owners) == 1:
            # Moving one KAM's accounts: offering that KAM again would only lead to an error.
            candidates = candidates.exclude(pk__in=owners)
        self.fields["to"].queryset = candidates
        if by.role != Role.MANAGER:
            self.fields["to"].help_text = "Any active key account manager."

    def reassign(self, *, leads) -> ReassignResult | None:
        """Call the service with the cleaned data; a refusal lands on the form (values kept) and returns None."""
        try:
            return leads_reassign(
                leads=leads,
                to=self.cleaned_data["to"],
                by=self.by,
                reason=self.cleaned_data["reason"],
                handover_note=self.cleaned_data["handover_note"],
            )
        except ReassignmentNotAllowed as exc:
            self.add_error("to" if exc.code != "out_of_scope" else None, exc.message)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return None


def reassign_message(result: ReassignResult) -> str:
    """The confirmation shown after a reassignment, on the lead page and in admin alike."""
    accounts = "1 account" if result.count == 1 else f"{result.count} accounts"
    planned = "1 planned call" if result.planned_calls == 1 else f"{result.planned_calls} planned calls"
    return f"Moved {accounts} ({planned}) to {result.to}. Both KAMs will get an e-mail."
