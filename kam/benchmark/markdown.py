"""Markdown tables from benchmark JSON files (e.g. 10,000 and 100,000 restaurants), as README's Performance section
shows them: `python manage.py benchmark --markdown 10k.json 100k.json`."""

from __future__ import annotations

import json
from pathlib import Path


def _load(path) -> dict:
    return json.loads(Path(path).read_text())


def _ms(value, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _p95(page: dict) -> str:
    text = _ms(page.get("p95_ms"))
    return f"**{text}**" if page.get("within_budget") is False else text


def growth_table(*paths) -> str:
    """Per page: p50 / p95 at each size (misses in bold), CPU at the last size, then SQL, queries and floor at each."""
    reports = [_load(p) for p in paths]
    sizes = [f"{r['dataset']['leads']:,}" for r in reports]
    header = ["page", "user", "budget (p95)"]
    header += [f"{size}: p50 / p95" for size in sizes]
    header += [f"CPU ({sizes[-1]})", "SQL", "queries", "floor"]
    lines = ["| " + " | ".join(header) + " |", "| --- | --- |" + " ---: |" * (len(header) - 2)]
    names = []
    for report in reports:
        names += [p["name"] for p in report["pages"] if p["name"] not in names]
    for name in names:
        pages = [next((p for p in r["pages"] if p["name"] == name), {}) for r in reports]
        first = next(p for p in pages if p)
        row = [first["label"], first["user"], _ms(first["budget_ms"])]
        if all(p.get("p50_ms") is None for p in pages):
            row += [first.get("note") or "not run"] + [""] * (len(header) - 4)
            lines.append("| " + " | ".join(row) + " |")
            continue
        row += [f"{_ms(p.get('p50_ms'))} / {_p95(p)}" if p.get("p50_ms") is not None else "—" for p in pages]
        row.append(_ms(pages[-1].get("cpu_p50_ms")))
        row.append(" / ".join(_ms(p.get("sql_ms")) for p in pages))
        row.append(" / ".join(str(p.get("queries", "—")) for p in pages))
        row.append(" / ".join(_ms(p.get("main_query_ms"), 1) for p in pages))
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "| nightly job | " + " | ".join(sizes) + " |", "| --- |" + " --- |" * len(sizes)]
    jobs = []
    for report in reports:
        jobs += [n["job"] for n in report["nightly"] if n["job"] not in jobs]
    for job in jobs:
        runs = [next((n for n in r["nightly"] if n["job"] == job), {}) for r in reports]
        cells = [
            f"{run['wall_s']} s, peak {run['peak_rss_mb']:.0f} MB" if run.get("available") else run.get("note", "—")
            for run in runs
        ]
        lines.append(f"| {job} | " + " | ".join(cells) + " |")
    loads = "; ".join(
        f"{size}: {r['machine']['load_average_start'][0]:.1f} → {r['machine'].get('load_average_end', [0])[0]:.1f}"
        for size, r in zip(sizes, reports, strict=True)
    )
    lines += ["", f"Load average (1 minute) at the start and end of each run: {loads}."]
    return "\n".join(lines)
