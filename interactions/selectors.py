"""Reads for interactions, orders and call planning (the Today list, the lead timeline)."""


def lead_activity(*, lead, user, now) -> dict:
    """Context for the lead page's activity panel (`interactions/_lead_activity.html`)."""
    return {}
