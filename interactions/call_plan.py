"""The call plan of a lead: computed by the rules of interactions.planning and written to the plan columns on
leads.Lead. Leads' own writes reach it through the LEADS_CHANGED reaction (kam.reactions)."""

from __future__ import annotations

from interactions.planning import CallPlan, RestaurantCalendar, plan_next_call
from kam.reactions import LEADS_CHANGED, react
from leads.models import Lead, LeadStatus

PLAN_FIELDS = ("last_call_at", "last_connected_call_at", "follow_up_at", "next_call_at", "next_call_date")
# The lead's columns that the plan is computed from; a change to any of them re-plans the lead.
PLAN_INPUTS = frozenset(
    {
        "call_frequency_days",
        "calling_windows",
        "closed_weekday",
        "time_zone",
        "country",
        "state",
        "status",
        "is_archived",
    }
)


def lead_call_plan(lead: Lead) -> CallPlan:
    return plan_next_call(
        calendar=RestaurantCalendar.for_lead(lead),
        frequency_days=lead.call_frequency_days,
        is_open_for_calls=lead.status != LeadStatus.LOST and not lead.is_archived,
        created_at=lead.created_at,
        last_connected_call_at=lead.last_connected_call_at,
        follow_up_at=lead.follow_up_at,
    )


def lead_refresh_call_plan(*, lead: Lead) -> Lead:
    """Recompute and store the lead's next call from the facts already on it.

    Written with update() on the plan columns only, so a concurrent edit of other fields (an owner
    change, a rename) is never overwritten.
    """
    plan = lead_call_plan(lead)
    lead.next_call_at, lead.next_call_date = plan.due_at, plan.due_date
    Lead.objects.filter(pk=lead.pk).update(**{f: getattr(lead, f) for f in PLAN_FIELDS})
    return lead


@react(LEADS_CHANGED)
def replan_changed_leads(*, leads: list[Lead], fields: frozenset[str] | None, now=None) -> None:
    """A lead was created, or a column its plan depends on changed: write its plan again."""
    if fields is not None and not fields & PLAN_INPUTS:
        return
    for lead in leads:
        lead_refresh_call_plan(lead=lead)
