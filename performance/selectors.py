"""Reads for account performance."""


def lead_performance_panel(*, lead) -> dict:
    """Context for the lead page's performance panel (`performance/_lead_panel.html`)."""
    return {}


def slipping_accounts(*, owner, now) -> list:
    """At-risk and underperforming accounts of `owner` for the Today list, ranked by value at risk."""
    return []
