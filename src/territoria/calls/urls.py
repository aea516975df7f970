from django.urls import path

from territoria.calls.views import applications as views
from territoria.calls.views import coaching as coaching_views
from territoria.calls.views import jury

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("applications/", views.my_applications, name="applications"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/step/<slug:step>/", views.edit, name="edit"),
    path("applications/<int:pk>/documents/", views.upload, name="upload"),
    path("applications/<int:pk>/submit/", views.submit, name="submit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/delete/", views.delete_document, name="delete_document"),
    path("impact/", views.impact, name="impact"),
    path("experts/", views.experts, name="experts"),
    path("experts/apply/", views.expert_apply, name="expert_apply"),
    path("applications/<int:pk>/survey/", views.survey, name="survey"),
    path("coachings/", coaching_views.coachings, name="coachings"),
    path("coachings/<int:pk>/", coaching_views.coaching, name="coaching"),
    path("coachings/<int:pk>/choose/", coaching_views.choose, name="choose"),
    path("coachings/<int:pk>/report/", coaching_views.report, name="report"),
    path("coachings/<int:pk>/confirm/", coaching_views.confirm, name="confirm"),
    path("reviews/", jury.reviews, name="reviews"),
    path("reviews/<int:pk>/", jury.review, name="review"),
    path("reviews/<int:pk>/declare/", jury.declare_view, name="declare"),
    path("reviews/<int:pk>/scores/", jury.scores_view, name="scores"),
    # Before "<slug:code>/": "manage" is a reserved word, never a call's code.
    path("manage/", jury.manage_calls, name="manage_calls"),
    path("<slug:code>/", views.call, name="call"),
    path("<slug:code>/manage/", jury.manage, name="manage"),
    path("<slug:code>/manage/assign/", jury.assign_view, name="assign"),
    path("<slug:code>/manage/<int:pk>/eligibility/", jury.eligibility_view, name="eligibility"),
    path("<slug:code>/manage/<int:pk>/consensus/", jury.consensus, name="consensus"),
    path("<slug:code>/manage/<int:pk>/decision/", jury.decide_view, name="decide"),
    path("<slug:code>/manage/<int:pk>/shortlist/", coaching_views.propose, name="propose"),
    path("<slug:code>/apply/", views.apply, name="apply"),
]
