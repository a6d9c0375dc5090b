"""The manager report as CSV rows: the same content as the morning e-mail, one section after another."""

from __future__ import annotations

from collections.abc import Iterator

from performance.models import Classification
from performance.selectors import RISK_ORDER, ManagerReportData

# A cell starting with one of these is run as a formula by spreadsheets; restaurant names are typed by people.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def report_rows(report: ManagerReportData) -> Iterator[list]:
    zone = report.user.time_zone
    yield ["KAM team report", str(report.user), f"{report.day:%Y-%m-%d}", zone]
    yield []
    classes = list(RISK_ORDER)
    yield [
        "Section",
        "KAM",
        "Accounts",
        *[c.label for c in classes],
        "Calls planned",
        "Calls made",
        "Calls connected",
        "Orders credited",
        "Order value credited",
    ]
    for row in report.rows:
        yield [
            "Team",
            str(row.kam),
            row.accounts,
            *[row.classes.get(c, 0) for c in classes],
            row.calls_planned_rounded,
            row.calls_made,
            row.calls_connected,
            row.orders,
            row.order_value,
        ]
    yield []
    yield ["Section", "Restaurant", "City", "KAM", "Class", "Score", "Value at risk", "Value (30 days)", "Reasons"]
    for section, accounts in (
        (f"Became at risk or underperforming since {report.since:%Y-%m-%d %H:%M} UTC", report.became_slipping),
        ("Top accounts by 30-day value", report.top_accounts),
    ):
        for account in accounts:
            yield [
                section,
                account.lead.name,
                account.lead.city,
                str(account.lead.owner),
                Classification(account.classification).label,
                account.score if account.score is not None else "",
                account.value_at_risk,
                account.value_30d,
                account.reasons_text,
            ]


def report_csv_rows(report: ManagerReportData) -> Iterator[list]:
    for row in report_rows(report):
        yield [safe(cell) for cell in row]
