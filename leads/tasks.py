from celery import shared_task

from leads import notifications


@shared_task
def send_reassignment_emails(assignment_ids: list[int]) -> int:
    """Tell the outgoing and incoming KAMs about accounts that changed hands (queued on commit by leads_reassign)."""
    return notifications.reassignment_emails_send(assignment_ids=assignment_ids)
