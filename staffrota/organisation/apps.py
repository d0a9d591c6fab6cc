from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "staffrota.organisation"
    verbose_name = "Homes, units and staff"
