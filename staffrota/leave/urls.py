from django.urls import path

from staffrota.leave import views

urlpatterns = [
    path("", views.my_leave, name="leave_mine"),
    path("queue/", views.queue, name="leave_queue"),
    path("requests/<int:request_id>/", views.detail, name="leave_detail"),
    path("requests/<int:request_id>/cancel/", views.cancel, name="leave_cancel"),
    path("units/<int:unit_id>/calendar/", views.calendar, name="leave_calendar"),
    path("staff/<int:staff_id>/", views.person, name="leave_person"),
    path("sickness/", views.sickness, name="leave_sickness"),
    path("sickness/<int:sickness_id>/", views.sickness_detail, name="leave_sickness_detail"),
    path("bradford/", views.bradford, name="leave_bradford"),
]
