from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "staffrota.audit"
