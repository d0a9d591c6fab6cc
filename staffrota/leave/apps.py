from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "staffrota.leave"
