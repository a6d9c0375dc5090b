"""What the benchmark measures: who looks at which page, with the budgets of issue 9 §3 (milliseconds, p95)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from kam.models import Role
from leads.models import Lead

GENERATED_KAM = "kam001"


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    path: str
    user: object
    budget_ms: float | None
    api: bool = False


@dataclass(frozen=True)
class Subjects:
    kam: object
    manager: object
    lead: Lead | None
    search: str


def choose_subjects(*, kam: str | None = None, manager: str | None = None) -> Subjects:
    """The KAM (kam001 in a generated dataset: 500 accounts; otherwise the one with the most accounts), the manager
    with the largest team, and that KAM's account with the most orders (the heaviest lead page)."""
    User = get_user_model()
    if kam or User.objects.filter(username=GENERATED_KAM).exists():
        kam_user = User.objects.get(username=kam or GENERATED_KAM)
    else:
        kam_user = User.objects.filter(role=Role.KAM).annotate(n=Count("leads")).order_by("-n", "username").first()
    if manager:
        manager_user = User.objects.get(username=manager)
    else:
        manager_user = (
            User.objects.filter(role=Role.MANAGER)
            .annotate(n=Count("team", filter=Q(team__role=Role.KAM)))
            .order_by("-n", "username")
            .first()
        )
    if kam_user is None or manager_user is None:
        raise LookupError("The database has no KAM or no manager; run generate_dataset (or seed_demo) first.")
    lead = (
        Lead.objects.filter(owner=kam_user, is_archived=False)
        .annotate(history=Count("orders", distinct=True))
        .order_by("-history", "pk")
        .first()
    )
    words = Counter(
        name.split()[0].lower()
        for name in Lead.objects.filter(owner=kam_user).values_list("name", flat=True)
        if name.split()
    )
    search = words.most_common(1)[0][0] if words else "a"
    return Subjects(kam=kam_user, manager=manager_user, lead=lead, search=search)


def targets(subjects: Subjects) -> list[Target]:
    kam, manager, lead = subjects.kam, subjects.manager, subjects.lead
    # The lead list as people use it: a search, a status filter and a sort.
    query = urlencode({"search": subjects.search, "status": "won", "ordering": "-last_call"})
    found = [
        Target("today", "Today (page)", "/today/", kam, 30),
        Target("api_today", "Today (API)", "/api/v1/calls/today/", kam, 15, api=True),
        Target("lead_list", "Lead list: search+filter+sort", f"/leads/?{query}", kam, 60),
        Target("api_lead_list", "Lead list (API)", f"/api/v1/leads/?{query}", kam, 60, api=True),
        Target("lead_list_team", "Lead list, manager's team", f"/leads/?{query}", manager, 60),
        Target("lead_list_plain", "Lead list, first page", "/leads/", kam, 60),
    ]
    if lead is not None:
        found += [
            Target("lead_page", "Lead page with timeline", f"/leads/{lead.pk}/", kam, 40),
            Target("api_lead", "Lead (API)", f"/api/v1/leads/{lead.pk}/", kam, 40, api=True),
            Target(
                "api_lead_interactions",
                "Lead's interactions (API)",
                f"/api/v1/interactions/?{urlencode({'lead': lead.pk})}",
                kam,
                40,
                api=True,
            ),
        ]
    slipping = urlencode([("classification", "at_risk"), ("classification", "underperforming")])
    found += [
        Target("api_interactions", "Interactions, latest (API)", "/api/v1/interactions/", kam, 60, api=True),
        Target("performance", "Performance, manager of 20", "/performance/", manager, 100),
        Target("performance_slipping", "Performance, slipping tab", f"/performance/?{slipping}", manager, 100),
        Target("api_performance", "Performance (API)", "/api/v1/performance/", manager, 100, api=True),
        Target("performance_kam", "Performance, KAM", "/performance/", kam, 100),
    ]
    return found
