"""Optimistic concurrency for edits: nobody's change is silently undone by someone who opened the form earlier.

A page form carries an *edit token*: the editable fields as they were when it was opened, and when (signed, so it
is only ever ours). On saving, the service locks the row and compares (`EditCheck.apply`):

- fields only you changed are written; fields only someone else changed keep their value (yours was just what the
  form showed, so writing it back would undo their change);
- a field you both changed to different values is refused (`StaleEdit`): the page says who changed it and when,
  shows their value and yours, keeps everything you typed, and a second save (now based on their version)
  overwrites it knowingly.

The API uses the same comparison through HTTP: the `ETag` of a lead or contact is a digest of its editable fields,
and a PATCH with `If-Match` is refused with 412 when they changed since (without If-Match, a PATCH writes only the
fields it names).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from kam.conflicts import FieldConflict, StaleEdit

_SALT = "kam.concurrency.edit-token"


def edit_values(instance, fields) -> dict[str, str]:
    """The fields as text (each field's own serialisation), comparable across requests and processes."""
    return {name: instance._meta.get_field(name).value_to_string(instance) for name in fields}


def edit_version(instance, fields) -> str:
    """A quoted ETag: the digest of the editable fields."""
    digest = hashlib.sha256(json.dumps(edit_values(instance, fields), sort_keys=True).encode()).hexdigest()
    return f'"{digest[:20]}"'


def edit_token(instance, fields, *, now: dt.datetime | None = None) -> str:
    """What a form carries: the fields as shown, and when it was opened."""
    now = now or timezone.now()
    return signing.dumps({"at": now.isoformat(), "values": edit_values(instance, fields)}, salt=_SALT, compress=True)


@dataclass(frozen=True)
class EditCheck:
    """What a writer saw: the values behind a form (`from_token`), or an ETag (`from_if_match`)."""

    base_values: dict[str, str] | None = None
    opened_at: dt.datetime | None = None
    if_match: tuple[str, ...] = ()

    @classmethod
    def from_token(cls, token: str) -> EditCheck | None:
        """None for a missing or forged token (the edit is then written as typed, as before this check existed)."""
        try:
            data = signing.loads(token or "", salt=_SALT)
            return cls(base_values=dict(data["values"]), opened_at=dt.datetime.fromisoformat(data["at"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None

    @classmethod
    def from_if_match(cls, header: str | None) -> EditCheck | None:
        if not header or header.strip() == "*":
            return None
        tags = tuple(tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip())
        return cls(if_match=tags)

    def apply(self, *, locked, fields: dict, editable) -> dict:
        """The fields to write on `locked` (the row as it is now, under its lock); raises StaleEdit."""
        if self.if_match:
            current = edit_version(locked, editable)
            if current not in self.if_match:
                by, at = last_change(locked, since=None)
                raise StaleEdit(
                    f"{_who(by, at)} since you read it; read it again (GET) and send your change with the new ETag.",
                    changed_by=by,
                    changed_at=at,
                    version=current,
                )
            return fields
        base = self.base_values or {}
        now_values = edit_values(locked, editable)
        probe = copy.copy(locked)
        for name, value in fields.items():
            setattr(probe, name, value)
        yours = edit_values(probe, fields)
        mine = {name: value for name, value in fields.items() if yours[name] != base.get(name, yours[name])}
        clashes = [
            FieldConflict(name=name, theirs=getattr(locked, name), yours=value)
            for name, value in mine.items()
            if now_values[name] != base.get(name) and yours[name] != now_values[name]
        ]
        if clashes:
            by, at = last_change(locked, since=self.opened_at)
            raise StaleEdit(
                f"{_who(by, at)} since you opened this form. Their values are shown by the fields; what you typed "
                "is kept. Save again to replace theirs with yours.",
                conflicts=clashes,
                changed_by=by,
                changed_at=at,
                version=edit_version(locked, editable),
                token=edit_token(locked, editable),
            )
        return mine


def last_change(instance, *, since: dt.datetime | None):
    """(who, when) of the latest recorded change of `instance` (its simple-history rows), after `since` if given."""
    history = getattr(instance, "history", None)
    if history is None:
        return None, None
    rows = history.all()
    if since is not None:
        rows = rows.filter(history_date__gt=since)
    latest = rows.select_related("history_user").order_by("-history_date").first()
    if latest is None:
        return None, None
    return latest.history_user, latest.history_date


def display_value(model, name: str, value) -> str:
    """A field's value as a person reads it: a choice's label, windows as 10:00–12:00, nothing as "(empty)"."""
    if value in (None, "", []):
        return "(empty)"
    field = model._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list) and all(isinstance(pair, list | tuple) for pair in value):
        return ", ".join("–".join(str(part) for part in pair) for pair in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _who(by, at) -> str:
    name = str(by) if by is not None else "Someone"
    when = f" at {timezone.localtime(at):%H:%M on %-d %b}" if at is not None else ""
    return f"{name} changed this{when}"
