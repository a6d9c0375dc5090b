"""The lead's owner and archive flag, copied onto its performance row (issue 9: a team's pages read only the
team's rows). Added nullable and filled from the leads in one set-based statement; 0004 makes the owner required
(a separate migration, as PostgreSQL will not alter a table with the fill's foreign-key checks still pending)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FILL = """
UPDATE performance_accountperformance AS p
   SET owner_id = l.owner_id, is_archived = l.is_archived
  FROM leads_lead AS l
 WHERE l.id = p.lead_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0002_managers_group"),
        ("performance", "0002_policy_history_reports_windows"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accountperformance",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="KAM",
            ),
        ),
        migrations.AddField(
            model_name="accountperformance",
            name="is_archived",
            field=models.BooleanField(default=False),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
