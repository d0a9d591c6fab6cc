from django.urls import path

from staffrota.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("my/shifts/", views.my_shifts, name="my_shifts"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:unit_id>/rota/", views.unit_rota, name="unit_rota"),
    path("healthz", views.healthz, name="healthz"),
]
