from django.urls import path

from territoria.accounts.views import account, invitation, people

app_name = "accounts"
urlpatterns = [
    path("", account.home, name="home"),
    path("organisations/request/", account.request_affiliation, name="request"),
    path("organisations/requests/<int:pk>/cancel/", account.cancel, name="cancel"),
    path("organisations/requests/<int:pk>/decide/", account.decide, name="decide"),
    path("invitation/<str:token>/", invitation.accept, name="accept"),
    path("people/", people.people, name="people"),
    path("people/<int:pk>/", people.person, name="person"),
    path("people/<int:pk>/activation/", people.activation, name="activation"),
    path("people/invitations/", people.invitations, name="invitations"),
    path("people/invitations/<int:pk>/revoke/", people.revoke, name="revoke"),
    path("people/requests/", people.requests, name="requests"),
]
