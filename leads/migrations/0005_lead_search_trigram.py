"""Indexes for the lead search's own arms (leads.filters.search_condition): PostgreSQL only.

The search matches a restaurant by name or legal name anywhere in the text (icontains) or by city (iexact);
contacts have their trigram indexes since contacts 0003. With these, the matching leads are found from the
indexes instead of by reading each of a team's leads from the table. The expressions are the ones Django writes
on PostgreSQL, UPPER("name"::text) LIKE UPPER(%s) and UPPER("city"::text) = UPPER(%s), so the planner can use
them. SQLite (make run) has no trigram indexes: the migration does nothing there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "lead_name_trgm_idx": 'USING gin (UPPER("name"::text) gin_trgm_ops)',
    "lead_legal_name_trgm_idx": 'USING gin (UPPER("legal_name"::text) gin_trgm_ops)',
    "lead_city_upper_idx": '(UPPER("city"::text))',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "leads_lead" {definition}')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_owner_city_index"), ("contacts", "0003_contact_search_trigram")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
