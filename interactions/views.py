"""Pages and htmx fragments for logging activity, the lead's timeline and the Today list.

Each action view: scoped fetch (404 outside the user's scope) → form → one service call → an answer for
the place the form was opened from (a Today row, the lead page's activity panel, or a plain redirect
when JavaScript is off).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from interactions import selectors
from interactions.forms import InteractionForm, OrderForm, RescheduleForm, TodayForm
from interactions.models import CallOutcome, InteractionKind
from interactions.services import call_reschedule, interaction_log, order_record
from kam.clients import parse_id
from kam.conflicts import Conflict
from kam.forms import add_conflict_errors, add_service_errors
from kam.models import Role
from kam.scoping import get_visible_or_404
from kam.timezones import local_today
from leads.models import Lead, LeadStatus
from performance import selectors as performance_selectors
from performance.filters import SLIPPING_QUERY

# ---------------------------------------------------------------------------------------------------------
# Where a form was opened from, and so where its answer goes


@dataclass(frozen=True)
class Origin:
    """ "today" (a row of someone's Today list, for `day`) or "lead" (the lead page's activity panel)."""

    name: str = "lead"
    day: dt.date | None = None
    kam_id: int | None = None

    @classmethod
    def from_request(cls, request) -> Origin:
        data = request.POST if request.method == "POST" else request.GET
        if data.get("origin") != "today":
            return cls()
        try:
            day = dt.date.fromisoformat(data.get("day", ""))
        except ValueError:
            day = None
        # The Today page offers only days from today to a year ahead; any other day (9999-12-31 would overflow the
        # planner after the interaction is saved) falls back to today's list.
        if day is not None and not dt.date(2000, 1, 1) <= day <= timezone.now().date() + dt.timedelta(
            days=selectors.TODAY_MAX_DAYS_AHEAD + 1
        ):
            day = None
        return cls(name="today", day=day, kam_id=parse_id(data.get("kam", "")))

    @property
    def is_today(self) -> bool:
        return self.name == "today"

    @property
    def fields(self) -> dict[str, str]:
        """Hidden inputs (and query parameters) that carry the origin through a form."""
        if not self.is_today:
            return {}
        fields = {"origin": "today"}
        if self.day:
            fields["day"] = self.day.isoformat()
        if self.kam_id:
            fields["kam"] = str(self.kam_id)
        return fields

    @cached_property  # used four times on each Today row
    def query(self) -> str:
        return urlencode(self.fields)

    def url(self, lead: Lead) -> str:
        if not self.is_today:
            return lead.get_absolute_url()
        query = {k: v for k, v in self.fields.items() if k != "origin"}
        return reverse("today") + (f"?{urlencode(query)}" if query else "")


def _messages_oob(request) -> str:
    return render_to_string("_messages.html", {"oob_messages": True}, request=request)


def _next_call_text(lead: Lead, user) -> str:
    if lead.next_call_at is None:
        return "This account has no call plan."
    mine = timezone.localtime(lead.next_call_at, user.zone)
    text = f"Next call: {mine:%a %-d %b, %H:%M}"
    if lead.time_zone != user.time_zone:
        theirs = timezone.localtime(lead.next_call_at, lead.zone)
        text += f" ({theirs:%H:%M} in {lead.time_zone})"
    return text + "."


# ---------------------------------------------------------------------------------------------------------
# Logging, orders, rescheduling


class LeadActionView(View):
    """Scoped fetch → form → one service call → answer. Subclasses give the form and the service call."""

    template_name = ""
    field_map: dict[str, str] = {}  # the service's field names that the form shows under another name
    reload_lead_page = False  # True when a success changes more of the lead page than the activity panel

    def dispatch(self, request, *args, lead_pk, **kwargs):
        self.lead = get_visible_or_404(Lead, request.user, pk=lead_pk)
        self.now = timezone.now()
        self.origin = Origin.from_request(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        raise NotImplementedError

    def perform(self, form):
        """Call the service; return (message level, message). Raises ValidationError for refused input."""
        raise NotImplementedError

    def get(self, request, **kwargs):
        return self.render_form(self.get_form())

    def post(self, request, **kwargs):
        form = self.get_form(data=request.POST)
        if form.is_valid():
            status_before = self.lead.status
            try:
                level, message = self.perform(form)
            except ValidationError as exc:
                add_service_errors(form, exc, field_map=self.field_map)
            except Conflict as exc:
                add_conflict_errors(form, exc, field_map=self.field_map)
            else:
                status_changed = self.lead.status != status_before
                if status_changed:
                    message += f" The lead is now {LeadStatus(self.lead.status).label.lower()}."
                messages.add_message(request, level, message)
                return self.answer(status_changed=status_changed)
        return self.render_form(form)

    def context(self, form) -> dict:
        return {"form": form, "lead": self.lead, "origin": self.origin, "now": self.now}

    def render_form(self, form):
        template = f"{self.template_name}#form" if self.request.htmx else self.template_name
        return render(self.request, template, self.context(form))

    def answer(self, *, status_changed: bool):
        request = self.request
        if not request.htmx:
            return redirect(self.origin.url(self.lead))
        if self.origin.is_today:
            return self._answer_today_row()
        if status_changed or self.reload_lead_page:
            # The status badge and performance panel live outside this panel: show the whole page again.
            return HttpResponseClientRedirect(self.lead.get_absolute_url())
        html = render_to_string(
            "interactions/_lead_activity.html",
            selectors.lead_activity(lead=self.lead, user=request.user, now=self.now),
            request=request,
        )
        response = HttpResponse(html + _messages_oob(request))
        return reswap(retarget(response, "#lead-activity"), "outerHTML")

    def _answer_today_row(self):
        """Replace the Today row: gone if the lead is no longer due on the day shown, else refreshed."""
        request, lead = self.request, self.lead
        calls = selectors.today_calls(kam=lead.owner, now=self.now, day=self.origin.day)
        row = calls.find(lead.pk)
        html = ""
        if row is not None:
            html = render_to_string(
                "interactions/today.html#row", {"row": row, "calls": calls, "origin": self.origin}, request=request
            )
        html += render_to_string(
            "interactions/today.html#counts",
            {"calls": calls, "overdue_count": calls.overdue.count(), "due_count": calls.due.count()},
        )
        response = HttpResponse(html + _messages_oob(request))
        return reswap(retarget(response, f"#today-row-{lead.pk}"), "outerHTML")


class InteractionLogView(LeadActionView):
    template_name = "interactions/log_form.html"

    def dispatch(self, request, *args, kind, **kwargs):
        if kind not in InteractionKind.values:
            raise Http404("No such kind of interaction.")
        self.kind = InteractionKind(kind)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return InteractionForm(data=data, lead=self.lead, kind=self.kind, user=self.request.user, now=self.now)

    def context(self, form):
        noun = self.kind.label if self.kind == InteractionKind.WHATSAPP else self.kind.label.lower()
        return {**super().context(form), "kind": self.kind, "noun": noun, "submit_label": f"Log {noun}"}

    def perform(self, form):
        interaction = interaction_log(lead=self.lead, by=self.request.user, now=self.now, **form.service_kwargs())
        if self.kind != InteractionKind.CALL:
            return messages.SUCCESS, f"{self.kind.label} logged."
        outcome = CallOutcome(interaction.outcome).label
        return messages.SUCCESS, f"Call logged ({outcome}). {_next_call_text(self.lead, self.request.user)}"


class OrderRecordView(LeadActionView):
    template_name = "interactions/order_form.html"
    field_map = OrderForm.FIELD_MAP
    reload_lead_page = True  # the performance panel changes with every order

    def get_form(self, data=None):
        return OrderForm(data=data, lead=self.lead, user=self.request.user, now=self.now)

    def perform(self, form):
        order, created = order_record(lead=self.lead, by=self.request.user, now=self.now, **form.service_kwargs())
        amount = f"{order.currency} {order.amount:,.2f}"
        if not created:
            placed = timezone.localtime(order.placed_at, self.request.user.zone)
            return messages.INFO, (
                f"Order {order.external_ref} is already recorded ({amount}, {placed:%-d %b %Y}); nothing new was added."
            )
        return messages.SUCCESS, f"Order of {amount} recorded."


class CallRescheduleView(LeadActionView):
    template_name = "interactions/reschedule_form.html"

    def get_form(self, data=None):
        return RescheduleForm(data=data, lead=self.lead, now=self.now)

    def perform(self, form):
        call_reschedule(lead=self.lead, by=self.request.user, day=form.cleaned_data["day"], now=self.now)
        return messages.SUCCESS, f"Call moved. {_next_call_text(self.lead, self.request.user)}"


# ---------------------------------------------------------------------------------------------------------
# The timeline's "load more"


def lead_timeline(request, lead_pk):
    lead = get_visible_or_404(Lead, request.user, pk=lead_pk)
    try:
        page = selectors.lead_timeline(lead=lead, before=request.GET.get("before", ""))
    except ValueError:
        return HttpResponseBadRequest("That page of the timeline does not exist; reload the lead page.")
    context = {"lead": lead, "timeline": page}
    template = "interactions/timeline.html#entries" if request.htmx else "interactions/timeline.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------------------
# Today


def _kam_for_today(request):
    """Whose Today: your own, or (managers, admins) one of your team's via ?kam=<id>; anyone else is a 404."""
    user = request.user
    raw = request.GET.get("kam", "")
    if not raw or raw == str(user.pk):
        return user
    pk = parse_id(raw)
    if user.role not in (Role.MANAGER, Role.ADMIN) or pk is None:
        raise Http404("No such key account manager in your team.")
    return get_object_or_404(get_user_model().objects.team_of(user), pk=pk)


# The slipping accounts Today shows, by value at risk; the performance page lists them all.
TODAY_SLIPPING_SHOWN = 10


def _more_query(request) -> str:
    """The page's own query (whose list, which day) for its "show more" links, without their own parameters."""
    query = request.GET.copy()
    for name in ("more", "offset"):
        query.pop(name, None)
    return query.urlencode()


def today(request):
    user = request.user
    kam = _kam_for_today(request)
    now = timezone.now()
    kam_today = local_today(now, kam.zone)
    form = TodayForm(request.GET if "day" in request.GET else None)
    day = kam_today
    if form.is_bound and form.is_valid() and form.cleaned_data["day"]:
        picked = form.cleaned_data["day"]
        if picked < kam_today:
            form.add_error("day", "Pick today or a later day; past calls are in each lead's timeline.")
        elif picked > kam_today + dt.timedelta(days=selectors.TODAY_MAX_DAYS_AHEAD):
            form.add_error("day", "Pick a day within the next year.")
        else:
            day = picked
    calls = selectors.today_calls(kam=kam, now=now, day=day)
    origin = Origin(name="today", day=day if day != kam_today else None, kam_id=kam.pk if kam != user else None)
    # ?more=<section>: the whole of that section (a plain link); with htmx, only its next rows from ?offset=.
    more = request.GET.get("more", "")
    more = more if more in selectors.TODAY_SECTIONS else ""
    if more and request.htmx:
        offset = parse_id(request.GET.get("offset", "")) or 0
        offset = offset if offset < 1_000_000 else 0
        section = calls.section(more, offset=offset)
        return render(
            request,
            "interactions/today.html#more",
            {"section": section, "calls": calls, "origin": origin, "more_query": _more_query(request)},
        )
    sections = {
        name: calls.section(name, limit=None if name == more else selectors.TODAY_SECTION_SIZE)
        for name in selectors.TODAY_SECTIONS
        if name == "due" or calls.is_today
    }
    context = {
        "calls": calls,
        "kam": kam,
        "viewing_other": kam.pk != user.pk,
        "overdue": sections.get("overdue"),
        "due": sections["due"],
        "overdue_count": sections["overdue"].total if "overdue" in sections else 0,
        "due_count": sections["due"].total,
        "more_query": _more_query(request),
        "slipping": (
            performance_selectors.slipping_accounts(owner=kam, now=now, limit=TODAY_SLIPPING_SHOWN)
            if calls.is_today
            else []
        ),
        "slipping_limit": TODAY_SLIPPING_SHOWN,
        "all_slipping_url": reverse("performance:index")
        + SLIPPING_QUERY
        + (f"&owner={kam.pk}" if kam.pk != user.pk else ""),
        "team": list(get_user_model().objects.team_of(user)) if user.role in (Role.MANAGER, Role.ADMIN) else [],
        "form": form,
        "origin": origin,
        "tomorrow": kam_today + dt.timedelta(days=1),
        "max_day": kam_today + dt.timedelta(days=selectors.TODAY_MAX_DAYS_AHEAD),
    }
    return render(request, "interactions/today.html", context)
