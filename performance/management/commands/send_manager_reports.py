from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kam.models import Role, User
from performance.services import manager_report_send, manager_reports_send


class Command(BaseCommand):
    help = (
        "E-mail the morning team report to the managers whose local hour is 8 (what the hourly job does), "
        "or now to one manager with --manager. A manager gets at most one report a day; an empty one is not sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--manager", help="Username of a manager to send to now, whatever their local hour.")

    def handle(self, *args, manager=None, **options):
        now = timezone.now()
        if manager is None:
            sent = manager_reports_send(now=now)
            self.stdout.write(self.style.SUCCESS(f"{sent} report(s) sent."))
            return
        user = User.objects.filter(username=manager, role=Role.MANAGER, is_active=True).first()
        if user is None:
            raise CommandError(f"No active manager with the username “{manager}”.")
        if not user.email:
            raise CommandError(f"{user} has no e-mail address.")
        record = manager_report_send(manager=user, now=now)
        if record is None:
            self.stdout.write("Nothing sent: the report is empty or was already sent today.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Report sent to {record.recipient}."))
