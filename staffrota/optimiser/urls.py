from django.urls import path

from staffrota.optimiser import views

urlpatterns = [
    path("generate/", views.run_new, name="optimiser_new"),
    path("generate/<int:run_id>/", views.run_detail, name="optimiser_run"),
    path("generate/<int:run_id>/progress/", views.run_progress, name="optimiser_progress"),
    path("generate/<int:run_id>/cancel/", views.run_cancel, name="optimiser_cancel"),
    path("generate/<int:run_id>/discard/", views.run_discard, name="optimiser_discard"),
    path("generate/<int:run_id>/publish/", views.run_publish, name="optimiser_publish"),
    path("generate/<int:run_id>/diff/", views.run_diff, name="optimiser_diff"),
]
