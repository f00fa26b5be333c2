from __future__ import annotations

from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("search.json", views.unit_search_json, name="search_json"),
    path("<id:pk>/", views.unit_detail, name="detail"),
]
