"""The act-on-cart permission moves from a proxy of a read model to a holder of its own.

The proxy tied the carts app to the projections' tables (an import circle between the two
apps). Existing grants are kept: the permission row is moved to the new holder's content type
before Django would create a fresh one.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def move_permission(apps: Any, schema_editor: Any) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    holder, _ = ContentType.objects.get_or_create(app_label="carts", model="cartpermission")
    Permission.objects.filter(
        content_type__app_label="carts", content_type__model="cartlisting", codename="act_on_cart"
    ).update(content_type=holder)


class Migration(migrations.Migration):
    dependencies = [
        ("carts", "0007_end_sessions_recorded_in_events"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="CartPermission",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [("act_on_cart", "Can abandon carts and give goodwill discounts")],
            },
        ),
        migrations.RunPython(move_permission, migrations.RunPython.noop),
        migrations.DeleteModel(name="CartListing"),
    ]
