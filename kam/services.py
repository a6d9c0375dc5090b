"""Writes to users: role groups, and deactivation of someone leaving (with their accounts handed on).

Keyword-only, called alike by the User admin, seed_demo and any future page or API.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from kam.models import Role, User
from leads.models import Lead
from leads.services import ReassignResult, leads_reassign

MANAGERS_GROUP = "Managers"
# What a manager does in Django admin: look at the team's accounts and what belongs to them, edit an account's
# details, move accounts between KAMs. Nothing on users (that would let a manager make themselves an admin).
MANAGER_PERMISSIONS = {
    "leads": ["view_lead", "change_lead", "reassign_lead", "view_leadstatuschange", "view_leadassignment"],
    "contacts": ["view_contact"],
    "interactions": ["view_interaction", "view_order"],
    "performance": ["view_accountperformance"],
}


def managers_group() -> Group:
    """The Managers group, made by leads/migrations/0002_managers_group.py; rebuilt here if it has gone missing
    (a database flushed by a test, or built without migrations)."""
    group, created = Group.objects.get_or_create(name=MANAGERS_GROUP)
    if created:
        wanted = Q()
        for app_label, codenames in MANAGER_PERMISSIONS.items():
            wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.set(Permission.objects.filter(wanted))
    return group


def user_sync_role_groups(*, user: User) -> None:
    """Put a manager in the Managers group and take anyone else out of it; other groups are left alone.

    Admins need no group: their role makes them superusers.
    """
    group = managers_group()
    if user.role == Role.MANAGER:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def user_deactivation_refusal(*, user: User) -> str | None:
    """Why `user` cannot be deactivated as things stand; None when nothing stands in the way."""
    owned = Lead.objects.filter(owner=user).count()
    if owned:
        accounts = "account" if owned == 1 else "accounts"
        return f"{user} still owns {owned} {accounts}. Choose a successor to hand them to before deactivating."
    return None


def user_deactivate(
    *,
    user: User,
    by: User,
    successor: User | None = None,
    reason: str = "",
    handover_note: str = "",
    now: dt.datetime | None = None,
) -> ReassignResult | None:
    """Deactivate `user`; with a `successor`, hand every account they own to them first, in one transaction.

    Only an admin, or the user's own manager, may do it. Without a successor a user who still owns accounts is
    refused (ValidationError on "successor"), so no account is ever left with someone who cannot sign in.
    The handover goes through `leads_reassign`, so it raises what that raises (ReassignmentNotAllowed when the
    successor is not a KAM of `by`'s team, or inactive). Returns the reassignment, or None when nothing moved.
    Deactivating someone already inactive changes nothing.
    """
    if not (by.is_active and (by.role == Role.ADMIN or (by.role == Role.MANAGER and user.manager_id == by.pk))):
        raise PermissionDenied("Only an administrator or the person's manager can deactivate them.")
    if user.pk == by.pk:
        raise ValidationError({"user": "You cannot deactivate yourself."})
    if successor is not None and successor.pk == user.pk:
        raise ValidationError({"successor": "Choose someone other than the person who is leaving."})
    with transaction.atomic():
        # Lock the person leaving, so an account handed to them at this moment cannot slip past the check.
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            user.is_active = False
            return None
        result = None
        if successor is not None and Lead.objects.filter(owner=locked).exists():
            result = leads_reassign(
                leads=Lead.objects.filter(owner=locked),
                to=successor,
                by=by,
                reason=(reason or "").strip() or f"{locked} left the team",
                handover_note=handover_note,
                now=now,
            )
        refusal = user_deactivation_refusal(user=locked)
        if refusal:
            raise ValidationError({"successor": refusal})
        User.objects.filter(pk=locked.pk).update(is_active=False)
    user.is_active = False
    return result
