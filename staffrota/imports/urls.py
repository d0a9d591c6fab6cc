from django.urls import path

from staffrota.imports import views

urlpatterns = [
    path("", views.import_start, name="import_start"),
    path("confirm/", views.import_confirm, name="import_confirm"),
]
