import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from interactions.services import morning_digests_send


class Command(BaseCommand):
    help = (
        "E-mail today's calls to every KAM whose local time is 08:xx (what the hourly job does). "
        "A KAM who already had today's digest gets no second one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="Run as if it were this instant (ISO 8601, UTC unless it names an offset), e.g. to catch up a "
            "missed hour: --at 2026-11-24T02:30Z sends the digests of Asia/Kolkata.",
        )

    def handle(self, *args, at=None, **options):
        now = None
        if at:
            try:
                now = dt.datetime.fromisoformat(at)
            except ValueError as exc:
                raise CommandError(f"--at: {exc}") from exc
            if now.tzinfo is None:
                now = now.replace(tzinfo=dt.UTC)
        sent = morning_digests_send(now=now)
        self.stdout.write(self.style.SUCCESS(f"Morning digests sent: {sent}."))
