"""Benchmark the key pages, API endpoints and nightly jobs against the current database (issue 9).

Each page is requested in-process through Django's test Client (the whole stack: middleware, view, queries,
template or serializer), as a signed-in user, after warm-up requests that are not counted. Next to each page:
its query count, the time its queries took, and the raw time of its main (slowest) query run directly — the
floor no page can beat. Then EXPLAIN (ANALYZE, BUFFERS) of the top queries, and the nightly jobs in a fresh
process each, for wall time and peak memory. Prints a table and writes JSON.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from contacts.models import Contact
from interactions.models import Interaction, Order
from kam.benchmark.markdown import growth_table
from kam.benchmark.measure import measure_target
from kam.benchmark.nightly import JOBS
from kam.benchmark.targets import choose_subjects, targets
from leads.models import Lead

DEFAULT_JSON = "benchmark-results/benchmark.json"


class Command(BaseCommand):
    help = "Measure server time, queries and main-query floor of the key pages and API, and the nightly jobs."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=50, help="Timed requests per page (after warm-up).")
        parser.add_argument("--json-out", default=DEFAULT_JSON, help=f"Where to write the results ({DEFAULT_JSON}).")
        parser.add_argument("--kam", help="Username of the KAM (default: the one with the most accounts).")
        parser.add_argument("--manager", help="Username of the manager (default: the one with the largest team).")
        parser.add_argument("--only", help="Comma-separated target names to measure (default: all).")
        parser.add_argument("--skip-nightly", action="store_true", help="Do not run the nightly jobs.")
        parser.add_argument(
            "--tracemalloc", action="store_true", help="Also trace Python allocations of each nightly job (a rerun)."
        )
        parser.add_argument("--explain", type=int, default=2, help="EXPLAIN this many top queries per page.")
        parser.add_argument(
            "--markdown",
            nargs="+",
            metavar="JSON",
            help="Print a markdown table of earlier results (one column group per file, e.g. 10k and 100k) and stop.",
        )
        parser.add_argument(
            "--quiet-explain", action="store_true", help="Do not print the top plans (they are still written)."
        )

    def handle(self, *args, **options):
        if options["markdown"]:
            self.stdout.write(growth_table(*options["markdown"]))
            return
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1.")
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: Django records every query, so times are higher than in production.")
        started = time.perf_counter()
        try:
            subjects = choose_subjects(kam=options["kam"], manager=options["manager"])
        except (LookupError, get_user_model().DoesNotExist) as error:
            raise CommandError(str(error)) from error
        static = self._static_storage()
        report = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine(),
            "dataset": dataset(),
            "subjects": {
                "kam": subjects.kam.get_username(),
                "kam_accounts": Lead.objects.filter(owner=subjects.kam).count(),
                "manager": subjects.manager.get_username(),
                "manager_team": get_user_model().objects.team_of(subjects.manager).count(),
                "lead": subjects.lead.pk if subjects.lead else None,
                "search": subjects.search,
            },
            "static_storage": static,
            "pages": [],
            "nightly": [],
        }
        self.stdout.write(
            f"{report['dataset']['leads']:,} restaurants, {report['dataset']['interactions']:,} interactions, "
            f"{report['dataset']['orders']:,} orders; KAM {report['subjects']['kam']} "
            f"({report['subjects']['kam_accounts']} accounts), manager {report['subjects']['manager']} "
            f"({report['subjects']['manager_team']} KAMs); load average {report['machine']['load_average_start']}"
        )
        wanted = set(options["only"].split(",")) if options["only"] else None
        overrides = {"ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
        if static:
            overrides["STORAGES"] = settings.STORAGES | {
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
            }
        with override_settings(**overrides), quiet_logs():
            for target in targets(subjects):
                if wanted and target.name not in wanted:
                    continue
                result = measure_target(target, requests=options["requests"], explain=options["explain"])
                report["pages"].append(dataclasses.asdict(result) | {"within_budget": result.within_budget})
                self._row(result)
        if not options["skip_nightly"]:
            for job in JOBS:
                if wanted and job not in wanted:
                    continue
                outcome = run_nightly(job)
                if options["tracemalloc"] and outcome.get("available"):
                    traced = run_nightly(job, trace=True)
                    outcome["tracemalloc_peak_mb"] = traced.get("tracemalloc_peak_mb")
                    outcome["wall_s_traced"] = traced.get("wall_s")
                report["nightly"].append(outcome)
                self._nightly_row(outcome)
        report["machine"]["load_average_end"] = os.getloadavg()
        report["seconds"] = round(time.perf_counter() - started, 1)
        path = Path(options["json_out"])
        path.parent.mkdir(parents=True, exist_ok=True)
        self._explains(report["pages"], path.with_suffix(".explain.txt"), show=not options["quiet_explain"])
        path.write_text(json.dumps(report, indent=2, default=str))
        self.stdout.write(
            f"Written {path} and {path.with_suffix('.explain.txt')} ({report['seconds']} s); "
            f"load average now {os.getloadavg()}"
        )

    def _static_storage(self) -> str:
        # Plain storage builds the same /static/… URLs without needing an up-to-date collectstatic manifest (a
        # stale one makes every new {% static %} fail); either is a dictionary lookup, so timings do not change.
        return "plain (StaticFilesStorage)"

    def _row(self, r) -> None:
        if not hasattr(self, "_header"):
            self._header = True
            self.stdout.write(
                f"\n{'page':<32} {'user':<10} {'p50':>7} {'p95':>7} {'max':>7} {'budget':>6} {'':>4} "
                f"{'queries':>7} {'sql':>7} {'floor':>7} {'cpu':>7}"
            )
            self.stdout.write(
                f"{'':<32} {'':<10}"
                + " ".join(f"{u:>7}" for u in ("ms", "ms", "ms"))
                + f" {'ms':>6}"
                + f" {'':>4} {'':>7}"
                + "".join(f" {u:>7}" for u in ("ms", "ms", "ms"))
            )
        if r.p50_ms is None:
            self.stdout.write(f"{r.label:<32} {r.user:<10} {r.note}")
            return
        verdict = {True: "ok", False: "MISS", None: ""}[r.within_budget]
        self.stdout.write(
            f"{r.label:<32} {r.user:<10} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.max_ms:>7.1f} "
            f"{r.budget_ms or '':>6} {verdict:>4} {r.queries:>7} {r.sql_ms:>7.1f} {r.main_query_ms or 0:>7.2f} "
            f"{r.cpu_p50_ms:>7.1f}" + (f"  {r.note}" if r.note else "")
        )

    def _nightly_row(self, outcome: dict) -> None:
        if not outcome.get("available"):
            self.stdout.write(f"nightly {outcome['job']:<12} {outcome.get('note', 'not available')}")
            return
        line = (
            f"nightly {outcome['job']:<12} wall {outcome['wall_s']:>7.1f} s   "
            f"peak RSS {outcome['peak_rss_mb']:>7.1f} MB "
            f"(+{outcome['peak_rss_delta_mb']:.1f} MB over the process at rest)   result {outcome['result']}"
        )
        if "tracemalloc_peak_mb" in outcome:
            line += f"   Python allocations peak {outcome['tracemalloc_peak_mb']} MB"
        self.stdout.write(line)

    def _explains(self, pages, path: Path, *, show: bool) -> None:
        """Every plan to a text file beside the JSON; the top plan of each page on screen."""
        lines = []
        for page in pages:
            for rank, plan in enumerate(page.get("explain") or []):
                text = (
                    f"-- {page['label']} ({page['user']}): {plan['execution_ms']} ms\n{plan['sql']}\n{plan['plan']}\n"
                )
                lines.append(text)
                if show and rank == 0:
                    self.stdout.write("\n" + text)
        path.write_text("\n".join(lines))


@contextmanager
def quiet_logs():
    """Send log output to /dev/null while pages are timed: each request still formats and writes its access line
    (a real cost in production), but the table stays readable."""
    handlers = {logging.root, *(logging.getLogger(n) for n in logging.root.manager.loggerDict)}
    streams = [
        h for logger in handlers for h in getattr(logger, "handlers", []) if isinstance(h, logging.StreamHandler)
    ]
    with open(os.devnull, "w") as devnull:
        previous = [h.setStream(devnull) for h in streams]
        try:
            yield
        finally:
            for handler, stream in zip(streams, previous, strict=True):
                handler.setStream(stream)


def run_nightly(job: str, *, trace: bool = False) -> dict:
    command = [sys.executable, "-m", "kam.benchmark.nightly", job] + (["--tracemalloc"] if trace else [])
    env = os.environ | {"DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "kam.settings")}
    completed = subprocess.run(command, capture_output=True, text=True, cwd=settings.BASE_DIR, env=env, check=False)
    if completed.returncode != 0:
        return {"job": job, "available": False, "note": f"failed: {completed.stderr.strip().splitlines()[-1:]}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def machine() -> dict:
    meminfo = {}
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                key, value = line.split(":", 1)
                meminfo[key] = value.strip()
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem')")
            version, shared_buffers, work_mem = cursor.fetchone()
            database = {"version": version, "shared_buffers": shared_buffers, "work_mem": work_mem}
        else:
            database = {"version": f"{connection.vendor} {connection.Database.sqlite_version}"}
    disk = shutil.disk_usage(settings.BASE_DIR)
    return {
        "cpus": os.cpu_count(),
        "memory": meminfo.get("MemTotal"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "debug": settings.DEBUG,
        "database": database,
        "disk_total_gb": round(disk.total / 2**30),
        "disk_free_gb": round(disk.free / 2**30),
        "load_average_start": os.getloadavg(),
    }


def dataset() -> dict:
    return {
        "users": get_user_model().objects.count(),
        "leads": Lead.objects.count(),
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "orders": Order.objects.count(),
    }
