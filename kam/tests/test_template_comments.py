"""Django's `{# … #}` comment ends at the end of its line: one spread over lines is shown to users as text."""

from pathlib import Path

from django.conf import settings


def test_no_template_has_a_comment_spread_over_lines():
    base = Path(settings.BASE_DIR)
    templates = [
        p for p in base.glob("**/templates/**/*.html") if ".venv" not in p.parts and "node_modules" not in p.parts
    ]
    assert len(templates) > 20
    broken = [
        f"{path.relative_to(base)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert broken == [], "use {% comment %} … {% endcomment %} for comments of several lines"
