from django.urls import path

from staffrota.rota import views

urlpatterns = [
    path("units/<int:unit_id>/rota/cell/", views.cell_editor, name="rota_cell"),
    path("units/<int:unit_id>/rota/add/", views.shift_add, name="rota_add"),
    path("units/<int:unit_id>/rota/publish/", views.publish, name="rota_publish"),
    path("units/<int:unit_id>/rota/export/", views.rota_export, name="rota_export"),
    path("shifts/<int:shift_id>/action/", views.shift_action, name="shift_action"),
    path("shifts/<int:shift_id>/history/", views.shift_history, name="shift_history"),
    path("vacancies/", views.vacancy_list, name="vacancy_list"),
    path("vacancies/<int:shift_id>/", views.vacancy_detail, name="vacancy_detail"),
    path("vacancies/<int:shift_id>/offer/", views.vacancy_offer, name="vacancy_offer"),
    path("vacancies/<int:shift_id>/agency/", views.vacancy_agency, name="vacancy_agency"),
    path("agency/<int:booking_id>/confirm/", views.agency_confirm, name="agency_confirm"),
    path("agency/<int:booking_id>/cancel/", views.agency_cancel, name="agency_cancel"),
    path("swaps/", views.swap_queue, name="swap_queue"),
    path("swaps/<int:swap_id>/decide/", views.swap_decide, name="swap_decide"),
    path("my/open-shifts/", views.my_open_shifts, name="my_open_shifts"),
    path("my/open-shifts/<int:shift_id>/claim/", views.claim, name="claim_open_shift"),
    path("my/swaps/", views.my_swaps, name="my_swaps"),
    path("my/swaps/<int:swap_id>/<str:answer>/", views.my_swap_answer, name="my_swap_answer"),
    path("my/calendar/", views.my_calendar, name="my_calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
