from django.urls import path

from staffrota.leave import views

app_name = "leave"

urlpatterns = [
    path("", views.my_leave, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("requests/<int:request_id>/", views.detail, name="detail"),
    path("requests/<int:request_id>/cancel/", views.cancel, name="cancel"),
    path("units/<int:unit_id>/calendar/", views.calendar, name="calendar"),
    path("staff/<int:staff_id>/", views.person, name="person"),
    path("sickness/", views.sickness, name="sickness"),
    path("sickness/<int:sickness_id>/", views.sickness_detail, name="sickness_detail"),
    path("bradford/", views.bradford, name="bradford"),
]
