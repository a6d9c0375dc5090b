"""The Content-Security-Policy (only our own origin, no inline script) must not break any page: the browser reports
every blocked script, style, image or font, and there must be none."""

import pytest

from leads.tests.factories import LeadFactory


@pytest.fixture
def csp_violations(page):
    """Everything Chromium refused because of the policy, from both the console and the DOM event."""
    seen = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )

    def collect():
        return seen + page.evaluate("window.__csp")

    return collect


def test_sign_in_and_lead_pages_run_under_the_policy(sign_in, kam_a, live_server, page, csp_violations):
    lead = LeadFactory(owner=kam_a)
    page.goto(f"{live_server.url}/accounts/login/")
    assert csp_violations() == []
    sign_in(kam_a)
    for path in ("/leads/", f"/leads/{lead.pk}/"):
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert response.status == 200
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert csp_violations() == [], (path, csp_violations())
    # Bootstrap's scripts ran (not blocked): the user menu opens.
    page.get_by_role("button", name=str(kam_a)).click()
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_django_admin_runs_under_the_policy(sign_in, admin_user, live_server, page, csp_violations):
    lead = LeadFactory()
    sign_in(admin_user)
    for path in ("/admin/", "/admin/leads/lead/", f"/admin/leads/lead/{lead.pk}/change/"):
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert csp_violations() == [], (path, csp_violations())


@pytest.mark.urls("kam.tests.urls_api_docs")
def test_swagger_ui_runs_under_the_policy(sign_in, kam_a, live_server, page, csp_violations):
    sign_in(kam_a)
    response = page.goto(f"{live_server.url}/csp-test/docs/")
    assert response.status == 200
    # The inline start-up script ran: Swagger UI rendered the schema it fetched.
    page.get_by_text("KAM API").first.wait_for()
    assert csp_violations() == []
