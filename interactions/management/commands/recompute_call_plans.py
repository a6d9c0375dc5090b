from django.core.management.base import BaseCommand

from interactions.services import call_plans_recompute


class Command(BaseCommand):
    help = "Recompute every lead's last calls and next call due (what the nightly job does). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--lead", type=int, action="append", dest="lead_ids", help="Only this lead id (repeatable)."
        )
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, lead_ids=None, chunk_size=2000, **options):
        changed = call_plans_recompute(lead_ids=lead_ids, chunk_size=chunk_size)
        self.stdout.write(self.style.SUCCESS(f"Call plans recomputed: {changed} lead(s) changed."))
