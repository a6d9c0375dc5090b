"""The "Managers" group: exactly what a manager needs in Django admin, and every existing manager in it.

Managers look at their team's accounts and everything that belongs to them, edit an account's details and
move accounts between KAMs. They get nothing on users: a manager who could edit users could make themselves an
administrator. Admins need no group (their role makes them superusers).

The list is a frozen copy of `kam.services.MANAGER_PERMISSIONS`, as a migration must be;
`kam.services.user_sync_role_groups` keeps membership in step with the role afterwards.
"""

from django.db import migrations

GROUP = "Managers"
PERMISSIONS = {
    "leads": ["view_lead", "change_lead", "reassign_lead", "view_leadstatuschange", "view_leadassignment"],
    "contacts": ["view_contact"],
    "interactions": ["view_interaction", "view_order"],
    "performance": ["view_accountperformance"],
}


def create_managers_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the last migration; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("kam", "User")

    wanted = {(app, codename) for app, codenames in PERMISSIONS.items() for codename in codenames}
    permissions = list(
        Permission.objects.filter(
            content_type__app_label__in=PERMISSIONS, codename__in=[codename for _app, codename in wanted]
        ).select_related("content_type")
    )
    found = {(p.content_type.app_label, p.codename) for p in permissions}
    missing = wanted - found
    if missing:
        raise RuntimeError(f"Permissions missing for the Managers group: {sorted(missing)}")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set([p for p in permissions if (p.content_type.app_label, p.codename) in wanted])

    Membership = User.groups.through
    Membership.objects.bulk_create(
        [
            Membership(user_id=pk, group_id=group.pk)
            for pk in User.objects.filter(role="manager").values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


def remove_managers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("contacts", "0002_initial"),
        ("interactions", "0002_initial"),
        ("performance", "0001_initial"),
        ("kam", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="lead",
            options={
                "ordering": ["name", "id"],
                "permissions": [("reassign_lead", "Can reassign accounts to another KAM")],
            },
        ),
        migrations.RunPython(create_managers_group, remove_managers_group),
    ]
