from django.core.management.base import BaseCommand

from kam.api.idempotency import key_ttl, purge_expired


class Command(BaseCommand):
    help = "Delete API Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS (also run by beat hourly)."

    def handle(self, *args, **options):
        deleted = purge_expired()
        self.stdout.write(f"Deleted {deleted} idempotency keys older than {key_ttl()}.")
