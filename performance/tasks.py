from celery import shared_task

from performance import services


@shared_task
def refresh_account_performance(lead_id: int) -> None:
    services.account_performance_refresh(lead_id=lead_id)
