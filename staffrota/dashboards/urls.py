from django.urls import path

from staffrota.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("operations/", views.om, name="om"),
    path("service/", views.sm, name="sm"),
    path("group/", views.hos, name="hos"),
]
