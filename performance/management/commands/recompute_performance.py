from django.core.management.base import BaseCommand

from performance.services import DEFAULT_CHUNK_SIZE, performance_recompute


class Command(BaseCommand):
    help = "Recompute every account's ordering metrics, health score and class (what the nightly job does)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="Leads per set of queries.")
        parser.add_argument("--lead", type=int, action="append", dest="lead_ids", help="Only this lead (repeatable).")

    def handle(self, *args, chunk_size, lead_ids, **options):
        result = performance_recompute(chunk_size=max(1, chunk_size), lead_ids=lead_ids)
        summary = f"{result.accounts} accounts recomputed in {result.chunks} chunks"
        self.stdout.write(self.style.SUCCESS(f"{summary}; {result.class_changes} changed class."))
