from django.urls import path

from territoria.maturity.views import assessments as views
from territoria.maturity.views import barometer, progress

app_name = "maturity"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/<slug:code>/", views.begin, name="start"),
    # The private link: its key alone opens the assessment.
    path("a/<str:key>/<int:step>/", views.step, name="step"),
    path("a/<str:key>/report/", views.report, name="report"),
    path("a/<str:key>/report.pdf", views.report_pdf, name="report-pdf"),
    # The same pages for the owner (logged in) and staff.
    path("mine/<int:pk>/<int:step>/", views.own_step, name="own-step"),
    path("mine/<int:pk>/report/", views.own_report, name="own-report"),
    path("mine/<int:pk>/report.pdf", views.own_report_pdf, name="own-report-pdf"),
    # Staff: the laureates' Digiscore before and after their support.
    path("progress/", progress.staff_progress, name="progress"),
    # The public barometer.
    path("barometer/", barometer.barometer, name="barometer"),
]
