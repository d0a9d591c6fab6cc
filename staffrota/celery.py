"""The Celery application. Tasks live in each app's `tasks.py`; the periodic schedule in
`staffrota.schedule` is the one registry of periodic jobs."""

import os

from celery import Celery

from staffrota.ops import filesystem_broker, redis_broker

# "filesystem://" (the no-server default) means kombu's transport with atomic writes;
# "redis://" kombu's Redis transport publishing through one client per channel.
filesystem_broker.register()
redis_broker.register()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")

app = Celery("staffrota")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
