"""Seed the 18 mandatory courses (idempotent: `manage.py compliance_courses` re-runs it)."""

from django.db import migrations


def seed(apps, schema_editor):
    from staffrota.compliance.courses import courses_seed

    courses_seed(
        apps.get_model("compliance", "TrainingCourse"), apps.get_model("organisation", "JobRole")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_incident_workflow_and_reports"),
        ("organisation", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
