from celery import shared_task

from leads import notifications


# A failed e-mail is retried with backoff (2, 4, 8… minutes); the people who already have theirs are skipped.
@shared_task(autoretry_for=(notifications.EmailsNotSent,), retry_backoff=120, retry_backoff_max=3600, max_retries=6)
def send_reassignment_emails(assignment_ids: list[int]) -> int:
    """Tell the outgoing and incoming KAMs about accounts that changed hands (queued on commit by leads_reassign)."""
    return notifications.reassignment_emails_send(assignment_ids=assignment_ids)
