"""Timing a page in-process, its queries, the raw time of its main query, and EXPLAIN of its top queries."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from kam.benchmark.targets import Target

WARM_UP = 5


@dataclass
class Result:
    name: str
    label: str
    path: str
    user: str
    budget_ms: float | None
    available: bool = True
    status: int | None = None
    note: str = ""
    requests: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    cpu_p50_ms: float | None = None
    queries: int | None = None
    sql_ms: float | None = None
    main_query_ms: float | None = None
    main_query: str = ""
    response_bytes: int | None = None
    explain: list[dict] = field(default_factory=list)

    @property
    def within_budget(self) -> bool | None:
        if self.p95_ms is None or self.budget_ms is None:
            return None
        return self.p95_ms <= self.budget_ms


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _is_read(sql: str) -> bool:
    head = sql.lstrip().upper()
    return head.startswith(("SELECT", "WITH"))


def measure_target(target: Target, *, requests: int, explain: int = 2) -> Result:
    result = Result(
        name=target.name,
        label=target.label,
        path=target.path,
        user=target.user.get_username(),
        budget_ms=target.budget_ms,
    )
    try:
        resolve(target.path.split("?")[0])
    except Resolver404:
        result.available = False
        result.note = "not available (no such URL on this branch)"
        return result

    client = Client()
    client.force_login(target.user)
    # As behind the TLS-terminating proxy: production settings redirect plain HTTP to HTTPS.
    headers = {"secure": True} | ({"HTTP_ACCEPT": "application/json"} if target.api else {})

    # The first requests fill Python's and PostgreSQL's caches; they are not counted.
    try:
        for _ in range(min(WARM_UP, requests)):
            response = client.get(target.path, **headers)
    except Exception as error:  # a page that fails is reported as failing, not allowed to stop the run
        result.note = f"fails: {type(error).__name__}: {str(error)[:120]}"
        return result
    result.status = response.status_code
    if response.status_code != 200:
        result.note = f"answered {response.status_code}; not timed"
        return result
    result.response_bytes = len(response.content)

    timings, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        response = client.get(target.path, **headers)
        timings.append((time.perf_counter_ns() - started) / 1e6)
        # This process's CPU alone: Python, templates, serializers (not PostgreSQL's, nor time waiting for a core).
        cpu.append((time.process_time_ns() - started_cpu) / 1e6)
        if response.status_code != 200:
            result.status = response.status_code
            result.note = f"answered {response.status_code} during the run"
            break
    result.requests = len(timings)
    result.p50_ms = round(statistics.median(timings), 2)
    result.p95_ms = round(percentile(timings, 0.95), 2)
    result.max_ms = round(max(timings), 2)
    result.cpu_p50_ms = round(statistics.median(cpu), 2)

    # One more request, with its queries captured (capturing costs a little, so it is not among the timed ones).
    with CaptureQueriesContext(connection) as captured:
        client.get(target.path, **headers)
    queries = captured.captured_queries
    result.queries = len(queries)
    result.sql_ms = round(sum(float(q["time"]) for q in queries) * 1000, 2)
    # The main query is the slowest one run on its own (the captured times of one request are too noisy to rank).
    reads = {q["sql"] for q in queries if _is_read(q["sql"])}
    ranked = sorted(reads, key=lambda sql: raw_query_ms(sql, runs=3, warm=1), reverse=True)
    if ranked:
        result.main_query = ranked[0]
        result.main_query_ms = raw_query_ms(ranked[0])
        result.explain = [explain_query(sql) for sql in ranked[:explain]]
    return result


def raw_query_ms(sql: str, runs: int = 15, warm: int = 3) -> float:
    """Median time of running the SQL directly on the database cursor (no ORM, no page): the page's floor."""
    timings = []
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", cursor)
        for i in range(runs + warm):
            started = time.perf_counter_ns()
            raw.execute(sql)
            raw.fetchall()
            if i >= warm:
                timings.append((time.perf_counter_ns() - started) / 1e6)
    return round(statistics.median(timings), 3)


def explain_query(sql: str) -> dict:
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", cursor)
        if connection.vendor == "postgresql":
            raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        else:
            raw.execute("EXPLAIN QUERY PLAN " + sql)
        plan = "\n".join(" ".join(str(c) for c in row) for row in raw.fetchall())
    execution = None
    for line in plan.splitlines():
        if line.strip().startswith("Execution Time:"):
            execution = float(line.split(":")[1].split()[0])
    return {"sql": sql, "plan": plan, "execution_ms": execution}
