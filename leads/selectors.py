"""Reads for leads."""


def lead_audit(*, lead) -> dict:
    """Context for the lead page's audit panel (`leads/_lead_audit.html`): field history, assignments, handover."""
    return {}
