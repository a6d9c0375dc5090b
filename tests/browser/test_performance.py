"""A manager looks at the team's performance, narrows it to the slipping accounts and opens one to see why."""

from django.utils import timezone

from performance.services import performance_recompute
from performance.tests.factories import place_orders, won_account
from performance.tests.shapes import SHAPES


def drawn(page, selector) -> bool:
    """Chart.js drew on the canvas (the script loaded under the CSP and found its data)."""
    return page.evaluate(f"!!window.Chart && !!Chart.getChart(document.querySelector('{selector}'))")


def test_manager_finds_a_slipping_account_and_sees_why(sign_in, manager, kam_a, teammate, live_server, screenshot):
    # Long names are the worst case for a 390 px screen; fixed ones keep the test deterministic.
    for user, first, last in (
        (kam_a, "Bartholomew", "Featherstonehaugh-Montgomery"),
        (teammate, "Anastasiaalexandra", "Vanderbiltington"),
        (manager, "Maximilianus", "Oppenheimerstein"),
    ):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    now = timezone.now()
    for name, owner, shape in (
        ("Steady Spoon", kam_a, "steady"),
        ("Quiet Kitchen", kam_a, "stopped"),
        ("Growing Grill", teammate, "growing"),
        ("Dwindling Dhaba", teammate, "declining"),
    ):
        place_orders(won_account(owner=owner, now=now, name=name), SHAPES[shape], now=now)
    performance_recompute(now=now)
    violations = []
    page = sign_in(manager)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.get_by_role("link", name="Performance").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Team performance").is_visible()
    assert drawn(page, 'canvas[data-kam-chart="team"]')
    assert screenshot("performance-team") == {"desktop": False, "phone": False}

    page.get_by_role("link", name="Slipping", exact=True).click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("table").last.locator("tbody tr")
    assert rows.count() == 2
    assert rows.first.get_by_role("link").inner_text() == "Quiet Kitchen"  # underperforming before at risk

    rows.first.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Why underperforming").is_visible()
    assert page.get_by_text("40 days since the last order, 10.0× its usual gap", exact=True).is_visible()
    # The ordering charts arrive when scrolled to, and are drawn then.
    page.locator("#lead-ordering").scroll_into_view_if_needed()
    page.locator('canvas[data-kam-chart="weekday"]').wait_for()
    for _ in range(50):  # polled from here: wait_for_function evaluates a string, which our CSP forbids
        if drawn(page, 'canvas[data-kam-chart="weekday"]'):
            break
        page.wait_for_timeout(100)
    assert drawn(page, 'canvas[data-kam-chart="weekly"]') and drawn(page, 'canvas[data-kam-chart="weekday"]')
    assert screenshot("performance-lead-panel") == {"desktop": False, "phone": False}
    assert violations == []
