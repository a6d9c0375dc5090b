"""Helpers every page form shares."""

from django import forms
from django.core.exceptions import ValidationError


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
