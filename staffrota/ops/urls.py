from django.urls import path

from staffrota.ops import views

urlpatterns = [path("metrics", views.metrics, name="metrics")]
