"""Writes to leads: creation, edits, the status pipeline, archiving, reassignment.

Each write announces LEADS_CHANGED (kam.reactions) in its transaction: the call plan (interactions) and
performance's copies of the owner and archive flag follow it there.

Every function is keyword-only and called alike by pages, the API, admin and tasks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from kam.concurrency import EditCheck
from kam.models import Role, User
from kam.outbox import enqueue_on_commit
from kam.reactions import LEADS_CHANGED, announce
from leads.models import Lead, LeadAssignment, LeadStatus, LeadStatusChange
from leads.tasks import send_reassignment_emails


class TransitionCause(models.TextChoices):
    MANUAL = "manual", "Changed by hand"
    CALL = "call", "A connected call"
    ORDER = "order", "An order was placed"


class TransitionNotAllowed(Exception):
    """A status move the pipeline does not allow (the API answers 409)."""

    def __init__(self, message: str, *, code: str = "transition_not_allowed"):
        super().__init__(message)
        self.message = message
        self.code = code


_S = LeadStatus
_MANUAL, _CALL, _ORDER = TransitionCause.MANUAL, TransitionCause.CALL, TransitionCause.ORDER

# The pipeline: (from, to) → the causes that may make that move.
TRANSITIONS: dict[tuple[LeadStatus, LeadStatus], frozenset[TransitionCause]] = {
    (_S.NEW, _S.CONTACTED): frozenset({_MANUAL, _CALL}),
    (_S.CONTACTED, _S.QUALIFIED): frozenset({_MANUAL}),
    (_S.QUALIFIED, _S.NEGOTIATION): frozenset({_MANUAL}),
    (_S.NEGOTIATION, _S.WON): frozenset({_MANUAL, _ORDER}),
    # An order is proof of conversion, so it may close any open lead as won; a person may not skip steps.
    (_S.NEW, _S.WON): frozenset({_ORDER}),
    (_S.CONTACTED, _S.WON): frozenset({_ORDER}),
    (_S.QUALIFIED, _S.WON): frozenset({_ORDER}),
    # Any open lead can be lost (with a reason); a lost lead can be reopened.
    (_S.NEW, _S.LOST): frozenset({_MANUAL}),
    (_S.CONTACTED, _S.LOST): frozenset({_MANUAL}),
    (_S.QUALIFIED, _S.LOST): frozenset({_MANUAL}),
    (_S.NEGOTIATION, _S.LOST): frozenset({_MANUAL}),
    (_S.LOST, _S.CONTACTED): frozenset({_MANUAL}),
}


def allowed_next_statuses(status: str, *, cause: TransitionCause = TransitionCause.MANUAL) -> list[LeadStatus]:
    """The statuses a lead in `status` may move to for `cause`, in pipeline order."""
    return [to for to in LeadStatus if cause in TRANSITIONS.get((LeadStatus(status), to), ())]


def transition_refusal(*, from_status: str, to_status: str, cause: TransitionCause) -> str | None:
    """Why a move is refused, in words a KAM understands; None when it is allowed."""
    if from_status == to_status:
        return f"The lead is already {LeadStatus(to_status).label.lower()}."
    causes = TRANSITIONS.get((LeadStatus(from_status), LeadStatus(to_status)))
    if causes and cause in causes:
        return None
    if causes and TransitionCause.ORDER in causes:
        return "Only a recorded order can mark this lead as won; move it through negotiation first."
    allowed = allowed_next_statuses(from_status, cause=cause)
    if not allowed:
        return f"A {LeadStatus(from_status).label.lower()} lead cannot change status."
    names = ", ".join(s.label.lower() for s in allowed)
    return (
        f"A {LeadStatus(from_status).label.lower()} lead cannot move to "
        f"{LeadStatus(to_status).label.lower()}; it can move to: {names}."
    )


def lead_transition(
    *,
    lead: Lead,
    to: str,
    by,
    note: str = "",
    reason: str = "",
    cause: TransitionCause = TransitionCause.MANUAL,
    now: dt.datetime | None = None,
) -> Lead:
    """Move a lead along the pipeline, recording who did it and when.

    Raises TransitionNotAllowed for a move the pipeline refuses and ValidationError for a missing reason.
    """
    now = now or timezone.now()
    if to not in LeadStatus.values:
        raise ValidationError({"status": f"“{to}” is not a status."})
    reason = (reason or "").strip()
    if to == LeadStatus.LOST and not reason:
        raise ValidationError({"reason": "Say why the lead was lost; it helps the next KAM."})
    with transaction.atomic():
        # Lock the row so two moves at once cannot both pass the check against the same old status.
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        refusal = transition_refusal(from_status=locked.status, to_status=to, cause=cause)
        if refusal:
            raise TransitionNotAllowed(refusal)
        from_status = locked.status
        locked.status = to
        locked.lost_reason = reason if to == LeadStatus.LOST else ""
        locked._history_user = by
        locked.save(update_fields=["status", "lost_reason", "updated_at"])
        LeadStatusChange.objects.create(
            lead=locked,
            from_status=from_status,
            to_status=to,
            changed_by=by,
            changed_at=now,
            note=(note or reason or "").strip() or TransitionCause(cause).label,
        )
        announce(LEADS_CHANGED, leads=[locked], fields=frozenset({"status", "lost_reason"}), now=now)
    _copy_fields(locked, lead)
    return lead


EDITABLE_FIELDS = (
    "name",
    "legal_name",
    "segment",
    "address",
    "city",
    "state",
    "country",
    "time_zone",
    "source",
    "call_frequency_days",
    "calling_windows",
    "closed_weekday",
)


def lead_create(*, by, owner=None, now: dt.datetime | None = None, **fields) -> Lead:
    """Create a lead owned by `owner` (default: the creator), with its first history rows and call plan."""
    now = now or timezone.now()
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lead_create() got unexpected fields: {sorted(unknown)}")
    owner = owner or by
    if owner.pk != by.pk and (not owner.is_active or owner.role != Role.KAM):
        # Every path that creates (page, API, admin) is held to it, not only the choices each one offers.
        raise ValidationError({"owner": f"{owner} is not an active key account manager; choose another KAM."})
    lead = Lead(owner=owner, created_at=now, status=LeadStatus.NEW, **fields)
    lead.full_clean()
    with transaction.atomic():
        lead._history_user = by
        lead.save()
        LeadStatusChange.objects.create(
            lead=lead, from_status="", to_status=LeadStatus.NEW, changed_by=by, changed_at=now, note="Created"
        )
        LeadAssignment.objects.create(
            lead=lead, from_owner=None, to_owner=owner, assigned_by=by, assigned_at=now, reason="Created"
        )
        announce(LEADS_CHANGED, leads=[lead], fields=None, now=now)
    return lead


def lead_update(*, lead: Lead, by, check: EditCheck | None = None, **fields) -> Lead:
    """Edit a lead's details. Status and owner have their own services and are refused here.

    With `check` (what the editor saw: a form's edit token or an API If-Match), a change made meanwhile by someone
    else is kept, and a clash raises StaleEdit (kam.concurrency); without it the given fields are written.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lead_update() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if check is not None:
            fields = check.apply(locked=locked, fields=fields, editable=EDITABLE_FIELDS)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked._history_user = by
        locked.save(update_fields=[*fields, "updated_at"])
        announce(LEADS_CHANGED, leads=[locked], fields=frozenset(fields), now=timezone.now())
    _copy_fields(locked, lead)
    return lead


def lead_archive(*, lead: Lead, by, now: dt.datetime | None = None) -> Lead:
    return _set_archived(lead=lead, by=by, archived=True, now=now or timezone.now())


def lead_restore(*, lead: Lead, by) -> Lead:
    return _set_archived(lead=lead, by=by, archived=False, now=None)


def _set_archived(*, lead: Lead, by, archived: bool, now) -> Lead:
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        locked.is_archived = archived
        locked.archived_at = now if archived else None
        locked._history_user = by
        locked.save(update_fields=["is_archived", "archived_at", "updated_at"])
        announce(LEADS_CHANGED, leads=[locked], fields=frozenset({"is_archived"}), now=now or timezone.now())
    _copy_fields(locked, lead)
    return lead


def _copy_fields(source: Lead, target: Lead) -> None:
    """Keep the caller's instance current after we worked on a locked copy."""
    if source is not target:
        for field in Lead._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))


# --- KAM change -------------------------------------------------------------------------------------------------


class ReassignmentNotAllowed(Exception):
    """A reassignment that conflicts with the team or with the accounts as they are (the API answers 409).

    `code` says which: "not_a_kam" (the new owner is a manager or admin), "not_in_team" (not a KAM of the
    manager's team), "inactive_owner" (the new owner cannot sign in), "same_owner" (some accounts already
    belong to the new owner), "out_of_scope" (some accounts are not the caller's to move).
    """

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ReassignResult:
    to: User
    by: User
    leads: list[Lead]  # with `owner` already the new KAM
    assignments: list[LeadAssignment]  # one per lead, in the same order; `from_owner` is who had it
    planned_calls: int  # how many of the accounts had a call planned; each keeps its date

    @property
    def count(self) -> int:
        return len(self.leads)


def leads_reassign(
    *,
    leads,
    to: User,
    by: User,
    reason: str,
    handover_note: str = "",
    now: dt.datetime | None = None,
) -> ReassignResult:
    """Hand accounts to another KAM: the one way an account changes owner (admin action, lead page, API).

    `leads` is a queryset of leads, or an iterable of leads or ids. A manager moves their team's accounts to a
    KAM of their team, an admin any account to any KAM. In one transaction and a constant number of queries,
    whatever the number of accounts: the rows are locked, the owner changes (only `owner` and `updated_at` are
    written, so a call logged at the same moment keeps its call-plan update), one `LeadAssignment` and one
    field-history row per account record who moved it, when and why, and the e-mails to both KAMs are queued
    for after the commit. Everything else stays with the account: planned calls keep their date, performance
    rows stay (their copy of the owner moves with the lead), past interactions keep their performer and orders
    the KAM they were credited to.

    Raises PermissionDenied when `by` may not reassign at all (a KAM, or inactive: 403), ValidationError with
    "to", "reason" or "leads" for missing input (400), ReassignmentNotAllowed for a conflict (409).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    handover_note = (handover_note or "").strip()
    if by is None or not by.is_active or by.role not in (Role.MANAGER, Role.ADMIN):
        raise PermissionDenied("Only a manager or an administrator can reassign accounts.")
    errors = {}
    if to is None:
        errors["to"] = "Choose the KAM who takes the accounts over."
    if not reason:
        errors["reason"] = "Say why the accounts change hands; it stays in their history."
    if errors:
        raise ValidationError(errors)
    wanted = leads.values("pk") if isinstance(leads, models.QuerySet) else _lead_pks(leads)

    with transaction.atomic():
        # Lock the new owner too: a deactivation at the same moment cannot leave accounts with someone gone.
        new_owner_active = list(
            User.objects.team_of(by).filter(pk=to.pk).select_for_update().values_list("is_active", flat=True)
        )
        if not new_owner_active:
            if to.role != Role.KAM:
                raise ReassignmentNotAllowed(f"{to} is not a key account manager.", code="not_a_kam")
            raise ReassignmentNotAllowed(f"{to} is not in your team.", code="not_in_team")
        if not new_owner_active[0]:
            raise ReassignmentNotAllowed(f"{to} is inactive and cannot take accounts.", code="inactive_owner")

        # Locked in id order, so two reassignments of overlapping sets wait for each other instead of deadlocking.
        locked = list(
            Lead.objects.filter(pk__in=wanted)
            .annotate(in_scope=models.Exists(Lead.objects.visible_to(by).filter(pk=models.OuterRef("pk"))))
            .select_related("owner")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        missing = not isinstance(wanted, models.QuerySet) and len(locked) < len(wanted)
        if missing or any(not lead.in_scope for lead in locked):
            raise ReassignmentNotAllowed("Some of these accounts are not yours to move.", code="out_of_scope")
        if not locked:
            raise ValidationError({"leads": "Choose at least one account to reassign."})
        already = [lead.name for lead in locked if lead.owner_id == to.pk]
        if already:
            raise ReassignmentNotAllowed(f"{to} already owns {_names(already)}.", code="same_owner")

        moved_pks = [lead.pk for lead in locked]
        Lead.objects.filter(pk__in=moved_pks).update(owner=to, updated_at=now)
        assignments = LeadAssignment.objects.bulk_create(
            [
                LeadAssignment(
                    lead=lead,
                    from_owner=lead.owner,
                    to_owner=to,
                    assigned_by=by,
                    assigned_at=now,
                    reason=reason,
                    handover_note=handover_note,
                )
                for lead in locked
            ]
        )
        for lead in locked:
            lead.owner, lead.updated_at = to, now
        # Performance's copy of the owner, which scopes the performance pages, moves with the lead.
        announce(LEADS_CHANGED, leads=locked, fields=frozenset({"owner"}), now=now)
        # Keep the caller's instances current, as the other services do.
        moved = set(moved_pks)
        for given in leads if isinstance(leads, list | tuple) else ():
            if isinstance(given, Lead) and given.pk in moved:
                given.owner, given.updated_at = to, now
        # One field-history row per account in one INSERT, so the History shows who moved it and why.
        Lead.history.bulk_history_create(
            locked, update=True, default_user=by, default_date=now, default_change_reason=f"Reassigned: {reason}"
        )
        # Through the outbox: a broker hiccup must not turn a committed reassignment into an error page, and the
        # e-mails still go once the broker is back.
        enqueue_on_commit(send_reassignment_emails, [a.pk for a in assignments])

    return ReassignResult(
        to=to,
        by=by,
        leads=locked,
        assignments=assignments,
        planned_calls=sum(1 for lead in locked if lead.next_call_at is not None),
    )


def _lead_pks(leads) -> list[int]:
    pks = []
    for lead in leads:
        pk = lead.pk if isinstance(lead, Lead) else lead
        try:
            pks.append(int(pk))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"leads": f"“{pk}” is not an account id."}) from exc
    return list(dict.fromkeys(pks))


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
