from django.urls import path

from staffrota.security import views

urlpatterns = [
    path("", views.security_overview, name="security_overview"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/backup-codes/", views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("consents/", views.consent_update, name="consent_update"),
    path("my-data.json", views.my_data_download, name="my_data_download"),
]
