"""Writes refused because of the state they met, in words a person can act on; the API maps them to a status.

`Conflict` (409): the request clashes with what is stored (an order re-sent with another amount). `StaleEdit` (412
through the API's If-Match, a form error on the pages): the object changed since the writer read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class Conflict(Exception):
    status_code = 409

    def __init__(self, message: str, *, code: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}


@dataclass(frozen=True)
class FieldConflict:
    """One field both people changed: its value now (theirs) and the one being saved (yours)."""

    name: str
    theirs: object
    yours: object


class StaleEdit(Conflict):
    status_code = 412

    def __init__(
        self,
        message: str,
        *,
        conflicts: list[FieldConflict] = (),
        changed_by=None,
        changed_at: dt.datetime | None = None,
        version: str = "",
        token: str = "",
    ):
        super().__init__(
            message,
            code="stale",
            fields={c.name: [f"Now {c.theirs!r}; yours {c.yours!r}."] for c in conflicts},
        )
        self.conflicts = list(conflicts)
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.version = version  # the current version (ETag), for the next attempt
        self.token = token  # a form's edit token for the current version, for the next attempt
