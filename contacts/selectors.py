"""Reads of points of contact for long lists: the primary contact as plain columns of the row that lists it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import CharField, ExpressionWrapper, F, FilteredRelation, Q
from phonenumber_field.phonenumber import PhoneNumber

from contacts.models import ContactRole, whatsapp_url


@dataclass(frozen=True)
class CallContact:
    """Who to call: a primary contact's columns, read with the row that lists it. No model instance is built and no
    number parsed unless a page shows it formatted, so a list of hundreds of rows pays for neither."""

    id: int
    name: str
    role: str
    phone_e164: str
    prefers_whatsapp: bool

    def get_role_display(self) -> str:
        return ContactRole(self.role).label

    @cached_property
    def phone(self) -> PhoneNumber | str:
        return PhoneNumber.from_string(self.phone_e164) if self.phone_e164 else ""

    @property
    def whatsapp_url(self) -> str:
        return whatsapp_url(self.phone_e164)


def primary_contact_columns(lead_path: str = "") -> dict:
    """Annotations that bring the primary contact of the lead at `lead_path` ("" for a Lead queryset, "lead" for a
    row that points to one) into the same SELECT; read them back with `primary_contact_of`."""
    contacts = f"{lead_path}__contacts" if lead_path else "contacts"
    return {
        "primary_contact_row": FilteredRelation(contacts, condition=Q(**{f"{contacts}__is_primary": True})),
        "contact_id": F("primary_contact_row__id"),
        "contact_name": F("primary_contact_row__name"),
        "contact_role": F("primary_contact_row__role"),
        # As stored (E.164 text): the model field would parse every number on load.
        "contact_phone": ExpressionWrapper(F("primary_contact_row__phone"), output_field=CharField()),
        "contact_prefers_whatsapp": F("primary_contact_row__prefers_whatsapp"),
    }


def primary_contact_of(row) -> CallContact | None:
    """The CallContact of a row annotated with `primary_contact_columns`; None when the lead has no primary."""
    if row.contact_id is None:
        return None
    return CallContact(
        id=row.contact_id,
        name=row.contact_name,
        role=row.contact_role,
        phone_e164=row.contact_phone or "",
        prefers_whatsapp=row.contact_prefers_whatsapp,
    )
