"""The scope test: every URL of the project that takes an argument answers 404 to anyone outside its scope.

It walks the whole URL tree (so a URL added by any app later is found) and fails for a pattern that has no entry
in OBJECT_URLS (how to build its arguments from kam_a's objects, and what kind of URL it is) or NOT_OBJECT_URLS
(why it names no object). For each entry:

- outsiders (kam_b of another team, kam_a's teammate, another team's manager) get 404 for GET, and for POST
  where the URL takes POSTs; a 405 would be no leak, but 404 everywhere is simpler to trust (views get this by
  fetching in dispatch, before the method: `kam.scoping.ScopedObjectMixin`);
- an anonymous visitor is sent to sign-in (pages and actions) or gets 401 (API);
- kam_a's manager and an admin reach the pages;
- the owner, kam_a, gets an answer that is neither 403 nor 404 (actions are POSTed last, as they change things).

To add a URL: add an entry below, and if it needs an object kam_a owns that World lacks, add it to World.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from contacts.models import Contact
from contacts.tests.factories import ContactFactory
from interactions.models import Interaction, Order
from interactions.tests.factories import InteractionFactory, OrderFactory
from leads.models import Lead, LeadAssignment, LeadStatus, LeadStatusChange
from leads.tests.factories import LeadAssignmentFactory, LeadFactory, LeadStatusChangeFactory
from performance.models import AccountPerformance
from performance.tests.factories import AccountPerformanceFactory


@dataclass
class World:
    """One of each kind of object, all belonging to kam_a's lead."""

    lead: Lead
    archived_lead: Lead
    contact: Contact
    interaction: Interaction
    order: Order
    performance: AccountPerformance
    status_change: LeadStatusChange
    assignment: LeadAssignment


@pytest.fixture
def world(kam_a) -> World:
    lead = LeadFactory(owner=kam_a, status=LeadStatus.CONTACTED)
    return World(
        lead=lead,
        archived_lead=LeadFactory(owner=kam_a, is_archived=True),
        contact=ContactFactory(lead=lead, is_primary=True),
        interaction=InteractionFactory(lead=lead),
        order=OrderFactory(lead=lead),
        performance=AccountPerformanceFactory(lead=lead),
        status_change=LeadStatusChangeFactory(lead=lead, changed_by=kam_a),
        assignment=LeadAssignmentFactory(lead=lead),
    )


Kwargs = Callable[[World], dict]


@dataclass(frozen=True)
class Page:
    """A page (or htmx fragment) answering GET. `post` gives form data when the URL also takes POSTs."""

    kwargs: Kwargs
    post: Callable[[World], dict] | None = None


@dataclass(frozen=True)
class Action:
    """A POST-only action. `data` is what the owner posts (it may change kam_a's objects: it runs last)."""

    kwargs: Kwargs
    data: Callable[[World], dict] = field(default=lambda w: {})


@dataclass(frozen=True)
class ManagerPage:
    """A page only managers and admins may use (reassignment): every KAM gets 403, whatever the id, so the answer
    says nothing about the object; another team's manager gets 404 like any outsider."""

    kwargs: Kwargs
    post: Callable[[World], dict] | None = None


@dataclass(frozen=True)
class Api:
    """A REST endpoint under /api/: anonymous gets 401. `methods` are checked for outsiders (404); the object is
    looked up before the method, so a POST-only action answers an outsider's GET with 404 too. `managers_only`:
    as ManagerPage (every KAM 403 whatever the id, another team's manager 404)."""

    kwargs: Kwargs
    methods: tuple[str, ...] = ("get",)
    managers_only: bool = False


def lead(w: World) -> dict:
    return {"pk": w.lead.pk}


def lead_id(w: World) -> dict:
    return {"lead_id": w.lead.pk}


def lead_pk(w: World) -> dict:
    return {"lead_pk": w.lead.pk}


def contact(w: World) -> dict:
    return {"pk": w.contact.pk}


OBJECT_URLS: dict[str, Page | ManagerPage | Action | Api] = {
    # --- leads (workspace) ---
    "leads:detail": Page(lead),
    "leads:edit": Page(lead, post=lambda w: {"name": "Changed by an outsider", "city": "Pune"}),
    "leads:transition": Action(lead, data=lambda w: {"status": "qualified"}),
    "leads:archive": Page(lead, post=lambda w: {}),
    "leads:restore": Page(lambda w: {"pk": w.archived_lead.pk}, post=lambda w: {}),
    "leads:history": Page(lead),
    # --- contacts (workspace) ---
    "contacts:list": Page(lead_id),
    "contacts:create": Page(lead_id, post=lambda w: {"name": "Outsider", "phone": "9876543210", "role": "owner"}),
    "contacts:edit": Page(contact, post=lambda w: {"name": "Outsider", "phone": "9876543210", "role": "owner"}),
    "contacts:make_primary": Action(contact),
    "contacts:delete": Page(contact, post=lambda w: {}),
    # --- interactions and call planning ---
    "interactions:log": Page(lambda w: {"lead_pk": w.lead.pk, "kind": "call"}, post=lambda w: {"outcome": "connected"}),
    "interactions:order": Page(lead_pk, post=lambda w: {"amount": "100", "placed_on": "2026-01-01"}),
    "interactions:reschedule": Page(lead_pk, post=lambda w: {"quick": "1"}),
    "interactions:timeline": Page(lead_pk),
    # --- reassignment (KAM change) ---
    "leads:reassign": ManagerPage(lead, post=lambda w: {"to": w.lead.owner.pk, "reason": "Outsider"}),
    # --- performance: add its URLs here ---
    "performance:lead_ordering": Page(lambda w: {"lead_pk": w.lead.pk}),
    # --- API (/api/v1/…) ---
    "api:lead-detail": Api(lead, methods=("get", "patch", "delete")),
    "api:lead-transition": Api(lead, methods=("post",)),
    "api:lead-restore": Api(lambda w: {"pk": w.archived_lead.pk}, methods=("post",)),
    "api:lead-reschedule": Api(lead, methods=("post",)),
    "api:lead-reassign": Api(lead, methods=("post",), managers_only=True),
    "api:lead-performance": Api(lead),
    "api:lead-history": Api(lead),
    "api:contact-detail": Api(contact, methods=("get", "patch", "delete")),
    "api:interaction-detail": Api(lambda w: {"pk": w.interaction.pk}),
    "api:order-detail": Api(lambda w: {"pk": w.order.pk}),
}

# Patterns that take an argument without naming an object in anyone's scope.
NOT_OBJECT_URLS: dict[str, str] = {
    "password_reset_confirm": "a signed one-time token from an e-mail, checked by Django itself",
    "api-not-found": "the API's catch-all: a JSON 404 for any /api/ path no endpoint matches",
}

# Django admin is left out: its change views are scoped by the admin classes (ModelAdmin.get_queryset through
# visible_to) and have their own leak tests where the admin is built; it is for managers and admins only.
EXCLUDED_PREFIXES = ("admin/",)

# DRF's format suffix (leads/1.json) is an argument of presentation, not of identity: filled in as "json".
FORMAT_SUFFIX = "format"


def _params(pattern) -> set[str]:
    regex = pattern.regex
    names = set(regex.groupindex)
    unnamed = regex.groups - len(names)
    return names | {f"<unnamed {i}>" for i in range(unnamed)}


def walk(resolver=None, prefix="", namespace="", params=frozenset()) -> Iterator[tuple[str, str | None, set[str]]]:
    """(route, namespaced name, argument names) for every pattern of the project, however deeply included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        here = set(params) | _params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, route, inner, frozenset(here))
        elif isinstance(entry, URLPattern):
            yield route, (f"{namespace}{entry.name}" if entry.name else None), here


def object_patterns() -> list[tuple[str, str | None, set[str]]]:
    found = []
    for route, name, params in walk():
        if route.lstrip("^").startswith(EXCLUDED_PREFIXES):
            continue
        if params - {FORMAT_SUFFIX}:
            found.append((route, name, params))
    return found


def test_the_walk_finds_urls_in_included_apps():
    names = {name for _, name, _ in object_patterns()}
    assert {"leads:detail", "contacts:edit", "password_reset_confirm"} <= names
    assert not any(name and name.startswith("admin:") for name in names)


def test_every_url_with_an_argument_is_in_the_table():
    patterns = object_patterns()
    unnamed = [route for route, name, _ in patterns if name is None]
    assert not unnamed, f"Give these URL patterns a name so the scope test can reach them: {unnamed}"
    names = {name for _, name, _ in patterns}
    missing = sorted(names - OBJECT_URLS.keys() - NOT_OBJECT_URLS.keys())
    assert not missing, (
        f"URLs without a scope check: {missing}. Add each to OBJECT_URLS in kam/tests/test_access.py "
        "(how to build its arguments from kam_a's objects), or to NOT_OBJECT_URLS with the reason."
    )
    stale = sorted((OBJECT_URLS.keys() | NOT_OBJECT_URLS.keys()) - names)
    assert not stale, f"Entries for URLs that no longer exist: {stale}"


def _urls(name: str, kwargs: dict) -> list[str]:
    """The URL for `kwargs`, plus its format-suffix twin when the pattern has one."""
    urls = [reverse(name, kwargs=kwargs)]
    if any(n == name and FORMAT_SUFFIX in params for _, n, params in object_patterns()):
        urls.append(reverse(name, kwargs={**kwargs, FORMAT_SUFFIX: "json"}))
    return urls


def _signed_in(user, api=False):
    client = APIClient() if api else Client()
    client.force_login(user)
    return client


def _is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_only_the_scope_reaches_each_object_url(
    name, world, kam_a, kam_b, teammate, other_manager, manager, admin_user
):
    entry = OBJECT_URLS[name]
    api = isinstance(entry, Api)
    urls = _urls(name, entry.kwargs(world))

    managers_only = isinstance(entry, ManagerPage) or (api and entry.managers_only)
    for outsider in (kam_b, teammate, other_manager):
        client = _signed_in(outsider, api=api)
        refused = 403 if managers_only and outsider.is_kam else 404
        for url in urls:
            assert client.get(url).status_code == refused, f"{outsider} GET {url}"
            if isinstance(entry, Action) or (isinstance(entry, Page | ManagerPage) and entry.post):
                data = (entry.data if isinstance(entry, Action) else entry.post)(world)
                assert client.post(url, data).status_code == refused, f"{outsider} POST {url}"
            if api:
                for method in entry.methods:
                    if method != "get":
                        response = getattr(client, method)(url, {}, format="json")
                        assert response.status_code == refused, f"{outsider} {method.upper()} {url}"

    anonymous = APIClient() if api else Client()
    for url in urls:
        if api:
            assert anonymous.get(url).status_code == 401, f"anonymous GET {url}"
        elif isinstance(entry, Action):
            assert _is_sign_in_redirect(anonymous.post(url)), f"anonymous POST {url}"
        else:
            assert _is_sign_in_redirect(anonymous.get(url)), f"anonymous GET {url}"

    if managers_only:
        # Even the owner: a KAM may never use it, and gets the same 403 for an id that does not exist.
        assert _signed_in(kam_a, api=api).get(urls[0]).status_code == 403
        missing = reverse(name, kwargs=dict.fromkeys(entry.kwargs(world), 999999999))
        assert _signed_in(kam_a, api=api).get(missing).status_code == 403
    if api and entry.methods == ("post",):
        # A POST-only action: the insiders reach it (the body may be refused as invalid, never as out of scope).
        for insider in (manager, admin_user) if managers_only else (manager, admin_user, kam_a):
            response = _signed_in(insider, api=True).post(urls[0], {}, format="json")
            assert response.status_code not in (403, 404) and response.status_code < 500, f"{insider} POST {urls[0]}"
    elif isinstance(entry, Page | ManagerPage | Api):
        for insider in (manager, admin_user) if managers_only else (manager, admin_user, kam_a):
            response = _signed_in(insider, api=api).get(urls[0])
            assert response.status_code not in (403, 404) and response.status_code < 500, f"{insider} GET {urls[0]}"
    else:
        response = _signed_in(kam_a).post(urls[0], entry.data(world))
        assert response.status_code not in (403, 404) and response.status_code < 500, f"owner POST {urls[0]}"
