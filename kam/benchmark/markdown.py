"""Markdown tables from benchmark JSON files, for README's Performance section."""

from __future__ import annotations

import json
from pathlib import Path


def _load(path) -> dict:
    return json.loads(Path(path).read_text())


def _cell(page: dict | None, key: str, digits: int = 1) -> str:
    if page is None or page.get(key) is None:
        return "—"
    value = page[key]
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def growth_table(*paths) -> str:
    """One row per page: p50 / p95 / queries / main-query floor at each dataset size, and the budget."""
    reports = [_load(p) for p in paths]
    sizes = [f"{r['dataset']['leads']:,}" for r in reports]
    header = ["page", "user", "budget p95 ms"]
    for size in sizes:
        header += [f"{size}: p50 ms", "p95 ms", "CPU ms", "queries", "floor ms"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    names = []
    for report in reports:
        names += [p["name"] for p in report["pages"] if p["name"] not in names]
    for name in names:
        pages = [next((p for p in r["pages"] if p["name"] == name), None) for r in reports]
        first = next(p for p in pages if p is not None)
        row = [first["label"], first["user"], str(first["budget_ms"] or "")]
        for page in pages:
            if page is None or page.get("p50_ms") is None:
                note = (page or {}).get("note") or "not run"
                row += [note, "", "", "", ""]
                continue
            p95 = _cell(page, "p95_ms")
            if page.get("within_budget") is False:
                p95 = f"**{p95}**"
            row += [
                _cell(page, "p50_ms"),
                p95,
                _cell(page, "cpu_p50_ms"),
                _cell(page, "queries"),
                _cell(page, "main_query_ms", 2),
            ]
        lines.append("| " + " | ".join(row) + " |")
    nightly_names = []
    for report in reports:
        nightly_names += [n["job"] for n in report["nightly"] if n["job"] not in nightly_names]
    for job in nightly_names:
        runs = [next((n for n in r["nightly"] if n["job"] == job), None) for r in reports]
        row = [f"nightly {job}", "", "60 s, 500 MB" if job == "performance" else ""]
        for run in runs:
            if not run or not run.get("available"):
                row += [(run or {}).get("note", "not run"), "", "", "", ""]
                continue
            row += [f"{run['wall_s']} s", f"peak RSS {run['peak_rss_mb']} MB", "", "", ""]
        lines.append("| " + " | ".join(row) + " |")
    loads = ", ".join(
        f"{size}: {r['machine']['load_average_start'][0]:.1f}→{r['machine'].get('load_average_end', [0])[0]:.1f}"
        for size, r in zip(sizes, reports, strict=True)
    )
    lines.append("")
    lines.append(f"Load average (1 min) at the start and end of each run: {loads}.")
    return "\n".join(lines)
