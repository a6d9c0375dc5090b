"""Account metrics, health score and classification (filled in by the performance work)."""


def account_performance_refresh(*, lead_id: int, now=None) -> None:
    """Recompute one account's performance row at once (after an order is recorded)."""
