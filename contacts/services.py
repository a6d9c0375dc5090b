"""Writes for points of contact. Making one contact primary unsets the previous one in the same transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from contacts.models import Contact
from kam.concurrency import EditCheck
from leads.models import Lead

EDITABLE_FIELDS = ("name", "role", "title", "phone", "email", "prefers_whatsapp", "is_primary", "notes")


def _check_fields(fields):
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected contact fields: {sorted(unknown)}")


def _validate(contact: Contact) -> None:
    errors: dict = {}
    try:
        # Not the model's constraints: the one-primary rule is kept by _unset_primary under the lead's lock (checking
        # it here would refuse every change of primary), and the phone-or-e-mail rule gets a message by field below.
        contact.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if not contact.phone and not contact.email and not {"phone", "email"} & set(errors):
        errors["phone"] = ["Give a phone number or an e-mail address."]
    if errors:
        raise ValidationError(errors)


def contact_create(*, lead: Lead, by, **fields) -> Contact:
    """Add a point of contact; raises ValidationError (by field) for a bad phone, e-mail or missing name."""
    _check_fields(fields)
    contact = Contact(lead=lead, **fields)
    _validate(contact)
    with transaction.atomic():
        Lead.objects.select_for_update().filter(pk=lead.pk).first()
        if contact.is_primary:
            _unset_primary(lead=lead)
        contact._history_user = by
        contact.save()
    return contact


def contact_update(*, contact: Contact, by, check: EditCheck | None = None, **fields) -> Contact:
    """Change the named fields only (a concurrent change of the others is kept). With `check` (a form's edit token
    or an API If-Match), a clash with a change made meanwhile raises StaleEdit (kam.concurrency)."""
    _check_fields(fields)
    with transaction.atomic():
        # Lock the lead so two "make primary" at once serialise instead of hitting the unique index.
        Lead.objects.select_for_update().filter(pk=contact.lead_id).first()
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if check is not None:
            fields = check.apply(locked=locked, fields=fields, editable=EDITABLE_FIELDS)
        for name, value in fields.items():
            setattr(locked, name, value)
        _validate(locked)
        if locked.is_primary and fields.get("is_primary"):
            _unset_primary(lead=locked.lead, keep=locked)
        locked._history_user = by
        locked.save(update_fields=[*fields, "updated_at"])
    for field in Contact._meta.concrete_fields:
        setattr(contact, field.attname, getattr(locked, field.attname))
    return contact


def contact_make_primary(*, contact: Contact, by) -> Contact:
    return contact_update(contact=contact, by=by, is_primary=True)


def contact_remove(*, contact: Contact, by) -> None:
    contact._history_user = by
    contact.delete()


def _unset_primary(*, lead: Lead, keep: Contact | None = None) -> None:
    others = Contact.objects.filter(lead=lead, is_primary=True)
    if keep is not None and keep.pk:
        others = others.exclude(pk=keep.pk)
    for other in others:  # at most one row, by the partial unique index
        other.is_primary = False
        other.save(update_fields=["is_primary", "updated_at"])
