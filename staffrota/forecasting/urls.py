from django.urls import path

from staffrota.forecasting import views

urlpatterns = [
    path("forecasts/", views.forecast_compare, name="forecast_compare"),
    path("units/<int:unit_id>/forecast/", views.unit_forecast, name="unit_forecast"),
    path(
        "units/<int:unit_id>/forecast/retrain/",
        views.unit_forecast_retrain,
        name="unit_forecast_retrain",
    ),
]
