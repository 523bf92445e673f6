"""The editorial roles as groups: Writer, Medical reviewer, Publisher.

Permissions are created here first: Django only makes them after every migration has run, and
this one needs the new publish/review permissions. Running it again adds what is missing and
removes nothing, so permissions an administrator gave a group by hand are kept.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = ("article", "nutrient")
WRITER = [
    *(f"cramps.{action}_{model}" for model in CONTENT for action in ("view", "add", "change")),
    *(f"references.{action}_reference" for action in ("view", "add", "change", "import", "export")),
]
GROUPS = {
    "Writer": WRITER,
    "Medical reviewer": [*WRITER, *(f"cramps.review_{model}" for model in CONTENT)],
    "Publisher": [
        *WRITER,
        *(f"cramps.{action}_{model}" for model in CONTENT for action in ("delete", "publish")),
        "references.delete_reference",
        "cramps.import_content",
        "cramps.export_content",
    ],
}


def make_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for permission in permissions:
            app_label, codename = permission.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("references", "0002_reference_import_export_permissions"),
        ("cramps", "0005_review_fields_transitions_and_content_stamp"),
    ]

    operations = [migrations.RunPython(make_groups, migrations.RunPython.noop)]
