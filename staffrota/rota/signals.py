"""Signals the rota sends for writes that bypass model signals (`QuerySet.update`)."""

from django.dispatch import Signal

# Sent inside the writer's transaction with care_home_id and days (the dates changed), after
# shifts of one home were changed in bulk; the dashboards listen to refresh their figures.
shifts_bulk_changed = Signal()
