"""Helpers every page form shares."""

from django import forms
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from kam.models import User
from kam.services import user_deactivation_refusal


def add_service_errors(form: forms.Form, error: ValidationError, *, field_map: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: next to the field it names, or above the form.

    `field_map` renames service/model fields to the form's own (e.g. calling_windows → window_1_start).
    """
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = field_map.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


class KamUserChangeForm(UserChangeForm):
    """The admin's user form: unticking "active" is refused, next to the box, while the person owns accounts."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "is_active" in self.changed_data and not cleaned.get("is_active"):
            refusal = user_deactivation_refusal(user=self.instance)
            if refusal:
                self.add_error(
                    "is_active",
                    f"{refusal} Use the action “Deactivate and hand accounts to…” on the user list to do both.",
                )
        return cleaned


class DeactivateForm(forms.Form):
    """The confirmation of "Deactivate and hand accounts to…": who takes the accounts of the people leaving."""

    successor = forms.ModelChoiceField(
        label="Hand their accounts to",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose a KAM…",
        help_text="Needed when anyone leaving still owns accounts.",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        initial="Left the team",
        help_text="Kept in each account's history.",
    )
    handover_note = forms.CharField(
        label="Handover note for the new KAM",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on each account's page.",
    )

    def __init__(self, *args, by: User, leaving_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (
            User.objects.team_of(by).filter(is_active=True).exclude(pk__in=list(leaving_ids))
        )
