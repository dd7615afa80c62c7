"""Seals over the global log, recorded breaches, and snapshots bound to the chain.

Snapshots taken before carry no MAC and would never be used again; they are a disposable cache,
so they are simply dropped (the next snapshot point writes a signed one).
"""

from typing import Any

from django.db import migrations, models

from eventstore import immutability

_NEW = tuple(table for table in immutability.GUARDED if table != immutability.TABLE)


def guard(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM eventstore_snapshot")
    immutability.install(schema_editor.connection, _NEW)


def unguard(apps: Any, schema_editor: Any) -> None:
    immutability.uninstall(schema_editor.connection, _NEW)


class Migration(migrations.Migration):
    dependencies = [
        ("eventstore", "0002_append_only_guards"),
    ]

    operations = [
        migrations.CreateModel(
            name="Seal",
            fields=[
                ("number", models.PositiveIntegerField(primary_key=True, serialize=False)),
                ("previous_digest", models.CharField(max_length=64)),
                ("first_checkpoint", models.CharField(max_length=60)),
                ("last_checkpoint", models.CharField(max_length=60)),
                ("events", models.PositiveIntegerField()),
                ("digest", models.CharField(max_length=64)),
                ("mac", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["number"],
            },
        ),
        migrations.AddField(
            model_name="snapshot",
            name="event_hash",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.AddField(
            model_name="snapshot",
            name="mac",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.CreateModel(
            name="Breach",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stream_id", models.CharField(max_length=200)),
                ("problem", models.CharField(max_length=500)),
                ("found_at", models.DateTimeField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("stream_id", "problem"), name="breach_stream_problem"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SealedStream",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seal", models.PositiveIntegerField()),
                ("stream_id", models.CharField(max_length=200)),
                ("events", models.PositiveIntegerField()),
                ("last_version", models.PositiveIntegerField()),
                ("last_hash", models.CharField(max_length=64)),
            ],
            options={
                "indexes": [models.Index(fields=["seal"], name="sealed_stream_seal_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("stream_id", "seal"), name="sealed_stream_uniq")
                ],
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
