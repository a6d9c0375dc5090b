import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0003_performance_owner_is_archived"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="accountperformance",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="KAM",
            ),
        ),
        migrations.AddIndex(
            model_name="accountperformance",
            index=models.Index(
                condition=models.Q(("is_archived", False)),
                fields=["owner", "classification"],
                include=["lead", "value_at_risk", "value_30d"],
                name="perf_owner_class_idx",
            ),
        ),
    ]
