"""Reactions: how a write in a lower app reaches the apps above it that keep something in step with it.

Apps import only downward (the layers declared in `.importlinter`). Some writes in a lower app must still be
followed by a write in a higher one:

- a lead's calendar, status or archive flag changed, so its call plan is written again (interactions);
- its owner or archive flag changed, so performance's copies of them follow (performance);
- an order was recorded, so the account's performance is refreshed (performance).

The lower app announces what happened, by name, from its service; the higher app registers its reaction once, in
its `AppConfig.ready()`. Reactions run synchronously, in the announcer's transaction and in the order of
INSTALLED_APPS, so both writes commit or neither does. This is not Django's signals: nothing fires on `save()`,
only the services named below announce, and every reaction is listed by `reactions_to()` (README, Project
structure, lists them; `kam/tests/test_reactions.py` pins the list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Announcement:
    name: str
    announced_by: str
    details: str


LEADS_CHANGED = Announcement(
    "leads_changed",
    "leads.services (create, edit, pipeline move, archive, restore, reassign)",
    "leads: the changed Lead instances, locked and current; fields: the names of the columns that changed, or "
    "None for leads just created; now: the instant of the change",
)
ORDER_RECORDED = Announcement(
    "order_recorded",
    "interactions.services.order_record",
    "lead_id: the account that ordered; now: when the order was recorded",
)

_reactions: dict[Announcement, list[Callable[..., None]]] = {}


def react(to: Announcement) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as a reaction to `to` (from the reacting app's AppConfig.ready())."""

    def register(reaction: Callable[..., None]) -> Callable[..., None]:
        registered = _reactions.setdefault(to, [])
        if reaction not in registered:
            registered.append(reaction)
        return reaction

    return register


def announce(what: Announcement, **details) -> None:
    """Run every reaction to `what`, now, in the caller's transaction. Call it inside `transaction.atomic()`."""
    for reaction in _reactions.get(what, ()):
        reaction(**details)


def reactions_to(what: Announcement) -> list[str]:
    """The dotted names of the reactions to `what`, in the order they run."""
    return [f"{reaction.__module__}.{reaction.__qualname__}" for reaction in _reactions.get(what, ())]
