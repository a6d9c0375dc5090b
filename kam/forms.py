"""Helpers every page form shares."""

from django import forms
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from kam.concurrency import EditCheck, display_value, edit_token
from kam.conflicts import Conflict, StaleEdit
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


def add_conflict_errors(form: forms.Form, conflict: Conflict, *, field_map: dict[str, str] | None = None) -> None:
    """Show a refused write (kam.conflicts) on the form: its message above, each difference by its field."""
    field_map = field_map or {}
    form.add_error(None, conflict.message)
    for name, messages in conflict.fields.items():
        target = field_map.get(name, name)
        if target in form.fields:
            form.add_error(target, messages)


class EditTokenField(forms.CharField):
    """The hidden field that carries what an edit form showed when it was opened (kam.concurrency)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


def show_stale_edit(form: forms.Form, stale: StaleEdit, *, model, field_map: dict[str, str] | None = None) -> None:
    """Someone saved the same object since the form was opened: say who and when, put their value beside each
    clashing field next to what was typed (which stays in the form), and base the form on their version, so that
    saving again replaces theirs knowingly."""
    field_map = field_map or {}
    form.add_error(None, stale.message)
    for clash in stale.conflicts:
        target = field_map.get(clash.name, clash.name)
        theirs = display_value(model, clash.name, clash.theirs)
        yours = display_value(model, clash.name, clash.yours)
        form.add_error(target if target in form.fields else None, f"Now “{theirs}”; yours “{yours}”.")
    data = form.data.copy()
    data[form.add_prefix("edit_token")] = stale.token
    form.data = data


class EditCheckedModelForm(forms.ModelForm):
    """An admin change form that never undoes someone else's change (kam.concurrency), as the pages do.

    ModelAdmin's change view runs in one transaction: the row is locked here, in clean(), and stays locked until
    save_model writes `fields_to_write` (the fields this admin changed) through the app's service.
    """

    edit_token = EditTokenField()
    edit_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("edit_token", edit_token(self.instance, self.edit_fields))
        self.fields_to_write: dict = {}

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        typed = {name: cleaned[name] for name in self.edit_fields if name in cleaned and name in self.fields}
        check = EditCheck.from_token(cleaned.get("edit_token", ""))
        if check is None:
            self.fields_to_write = {name: value for name, value in typed.items() if name in self.changed_data}
            return cleaned
        model = type(self.instance)
        locked = model._default_manager.select_for_update().get(pk=self.instance.pk)
        try:
            self.fields_to_write = check.apply(locked=locked, fields=typed, editable=self.edit_fields)
        except StaleEdit as exc:
            show_stale_edit(self, exc, model=model)
        return cleaned


class SafeJSONField(forms.JSONField):
    """Django's JSON form field, with a document nested too deeply for Python's parser refused like any bad JSON."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError("This JSON is nested too deeply.", code="invalid") from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)  # shown back as typed, with the error beside it

    def has_changed(self, initial, data):
        try:
            return super().has_changed(initial, data)
        except RecursionError:
            return True


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
