from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from kam.schedule import BEAT_SCHEDULE


class Command(BaseCommand):
    help = "Install the periodic jobs from kam/schedule.py into the beat database (keeps edits made in admin)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite schedules edited in admin.")

    @transaction.atomic
    def handle(self, *args, reset=False, **options):
        for name, entry in BEAT_SCHEDULE.items():
            crontab, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **entry["crontab"])
            task, created = PeriodicTask.objects.get_or_create(
                name=name, defaults={"task": entry["task"], "crontab": crontab, "description": entry["description"]}
            )
            if reset and not created:
                task.task, task.crontab, task.description, task.enabled = (
                    entry["task"],
                    crontab,
                    entry["description"],
                    True,
                )
                task.save()
            state = "created" if created else ("reset" if reset else "kept")
            self.stdout.write(f"{name}: {state}")
