"""Schedules sync.tasks.run_due_records every minute (retries due failed records, recovers dead runs)."""
from django.db import migrations

TASK = "sync.tasks.run_due_records"


def add_schedule(apps, schema_editor) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(func=TASK, defaults={
        "name": "Run due sync records", "schedule_type": "I", "minutes": 1, "repeats": -1})


def remove_schedule(apps, schema_editor) -> None:
    apps.get_model("django_q", "Schedule").objects.filter(func=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
