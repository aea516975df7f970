"""Every page and API route × every role: allowed (200), sent to log in (302), refused (403) or hidden (404).

The last test fails when a route is added without a line here.
"""

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from territoria.accounts import services
from territoria.accounts.models import Affiliation
from territoria.calls.models import Application, Assignment, Coaching
from territoria.calls.services import documents
from territoria.core.models import Role
from territoria.maturity.services.assessments import answer, complete, start
from territoria.maturity.services.questionnaires import store
from territoria.strategy.models import MeasurementImport
from territoria.taxonomy.models import Magnet, SchemeImport
from tests.calls.conftest import PDF, make_call
from tests.conftest import ROLES, make_user
from tests.factories import organisation, strategy_tree
from tests.maturity.test_assessments import two_dimensions

PUBLIC = dict.fromkeys(ROLES, 200)
STAFF_ONLY = {
    "anonymous": 302,
    "staff": 200,
    "applicant": 403,
    "other_applicant": 403,
    "evaluator": 403,
    "expert": 403,
}
STAFF_ACTS = {**STAFF_ONLY, "staff": 302}
SIGNED_IN = {role: 302 if role == "anonymous" else 200 for role in ROLES}
SIGNED_IN_REDIRECTED = dict.fromkeys(ROLES, 302)
SIGNED_IN_NOTHING = {role: 302 if role == "anonymous" else 404 for role in ROLES}
# Signing in or up: signed-in people are sent on to their account.
ANONYMOUS_ONLY = {role: 200 if role == "anonymous" else 302 for role in ROLES}
STAFF_OR_HIDDEN = {role: 200 if role == "staff" else 404 for role in ROLES}
BACK_OFFICE = {role: 200 if role == "staff" else 302 for role in ROLES}
# Applicant pages: other roles are refused, the anonymous sent to log in.
APPLICANTS_ONLY = {
    "anonymous": 302, "staff": 403, "applicant": 302, "other_applicant": 302,
    "evaluator": 403, "expert": 403,
}  # fmt: skip
# An application: its organisation's applicants and staff read it; another applicant
# does not even learn it exists.
OWNER_OR_STAFF = {
    "anonymous": 302, "staff": 200, "applicant": 200, "other_applicant": 404,
    "evaluator": 403, "expert": 403,
}  # fmt: skip
EVALUATORS_ONLY = {
    "anonymous": 302, "staff": 403, "applicant": 403, "other_applicant": 403,
    "evaluator": 200, "expert": 403,
}  # fmt: skip
# A coaching: its laureate's applicants and staff (the expert once chosen).
COACHING = {
    "anonymous": 302, "staff": 200, "applicant": 200, "other_applicant": 404,
    "evaluator": 403, "expert": 404,
}  # fmt: skip
# What only its applicants do (staff read, never act for them); the answer is a redirect.
OWNER_ACTS = {**OWNER_OR_STAFF, "applicant": 302, "staff": 403}

# route name → (method, path, expected status per role)
MATRIX = {
    "home": ("get", "/", PUBLIC),
    "core:territory-logo": ("get", "/territory/logo.svg", PUBLIC),
    "core:territory-theme": ("get", "/territory/theme.css", PUBLIC),
    "core:territory-outline": ("get", "/territory/outline.svg", PUBLIC),
    "core:legal-notice": ("get", "/legal-notice/", PUBLIC),
    "core:accessibility": ("get", "/accessibility/", PUBLIC),
    "ecosystem:directory": ("get", "/ecosystem/", PUBLIC),
    "ecosystem:organisation": ("get", "/ecosystem/organisations/{org}/", PUBLIC),
    # A natural person (self-employed) is personal data: staff alone open its page.
    "ecosystem:organisation-private": (
        "get",
        "/ecosystem/organisations/{natural_person}/",
        STAFF_OR_HIDDEN,
    ),  # fmt: skip
    "ecosystem:directory-export": ("get", "/ecosystem/organisations.csv", PUBLIC),
    "ecosystem:events": ("get", "/ecosystem/events/", PUBLIC),
    "ecosystem:publications": ("get", "/ecosystem/publications/", PUBLIC),
    "taxonomy:magnets": ("get", "/magnets/", PUBLIC),
    "taxonomy:magnet": ("get", "/magnets/public/", PUBLIC),
    "taxonomy:magnet-export": ("get", "/magnets/public/export.csv", PUBLIC),
    "taxonomy:magnet-private": ("get", "/magnets/private/", STAFF_OR_HIDDEN),
    "taxonomy:magnet-export-private": ("get", "/magnets/private/export.csv", STAFF_OR_HIDDEN),
    "taxonomy:magnet-new": ("get", "/magnets/new/", STAFF_ONLY),
    "taxonomy:magnet-edit": ("get", "/magnets/public/edit/", STAFF_ONLY),
    "taxonomy:magnet-builder": ("post", "/magnets/builder/", STAFF_ONLY),
    "taxonomy:schemes": ("get", "/taxonomies/", PUBLIC),
    "taxonomy:scheme": ("get", "/taxonomies/nace/", PUBLIC),
    "taxonomy:scheme-export-csv": ("get", "/taxonomies/nace/export.csv", PUBLIC),
    "taxonomy:scheme-export-ttl": ("get", "/taxonomies/nace/export.ttl", PUBLIC),
    "taxonomy:scheme-import": ("get", "/taxonomies/import/", STAFF_ONLY),
    "taxonomy:scheme-import-status": ("get", "/taxonomies/imports/{upload}/", STAFF_ONLY),
    # Accounts (django-allauth's pages in the site's layout, and ours).
    "account_login": ("get", "/accounts/login/", ANONYMOUS_ONLY),
    "account_signup": ("get", "/accounts/signup/", ANONYMOUS_ONLY),
    "account_logout": ("get", "/accounts/logout/", SIGNED_IN),
    "account_reset_password": ("get", "/accounts/password/reset/", PUBLIC),
    "account_reset_password_done": ("get", "/accounts/password/reset/done/", PUBLIC),
    # A wrong key shows the page that says so.
    "account_reset_password_from_key": ("get", "/accounts/password/reset/key/1-x/", PUBLIC),
    "account_reset_password_from_key_done": ("get", "/accounts/password/reset/key/done/", PUBLIC),
    "account_change_password": ("get", "/accounts/password/change/", SIGNED_IN),
    # Every account has a password: "set" sends to "change".
    "account_set_password": ("get", "/accounts/password/set/", {**SIGNED_IN_REDIRECTED}),
    "account_email": ("get", "/accounts/email/", SIGNED_IN),
    "account_email_verification_sent": ("get", "/accounts/confirm-email/", PUBLIC),
    "account_confirm_email": ("get", "/accounts/confirm-email/wrong-key/", PUBLIC),
    "account_inactive": ("get", "/accounts/inactive/", PUBLIC),
    "account_reauthenticate": ("get", "/accounts/reauthenticate/", SIGNED_IN),
    "account_request_reauthentication_code": ("get", "/accounts/reauthenticate/code/", SIGNED_IN),
    # Steps of flows not started: back to their start.
    "account_confirm_reauthentication_code": (
        "get",
        "/accounts/reauthenticate/code/confirm/",
        dict.fromkeys(ROLES, 302),
    ),  # fmt: skip
    "account_confirm_login_code": (
        "get",
        "/accounts/login/code/confirm/",
        dict.fromkeys(ROLES, 302),
    ),
    "mfa_authenticate": ("get", "/accounts/2fa/authenticate/", dict.fromkeys(ROLES, 302)),
    "mfa_reauthenticate": ("get", "/accounts/2fa/reauthenticate/", dict.fromkeys(ROLES, 302)),
    "mfa_index": ("get", "/accounts/2fa/", SIGNED_IN),
    # Setting up a second factor asks for the password again first.
    "mfa_activate_totp": ("get", "/accounts/2fa/totp/activate/", SIGNED_IN_REDIRECTED),
    "mfa_generate_recovery_codes": (
        "get",
        "/accounts/2fa/recovery-codes/generate/",
        SIGNED_IN_REDIRECTED,
    ),  # fmt: skip
    # Without a second factor there is nothing to turn off or to show.
    "mfa_deactivate_totp": ("get", "/accounts/2fa/totp/deactivate/", SIGNED_IN_NOTHING),
    "mfa_view_recovery_codes": ("get", "/accounts/2fa/recovery-codes/", SIGNED_IN_NOTHING),
    "mfa_download_recovery_codes": (
        "get",
        "/accounts/2fa/recovery-codes/download/",
        SIGNED_IN_NOTHING,
    ),  # fmt: skip
    "accounts:home": ("get", "/accounts/", SIGNED_IN),
    "accounts:request": (
        "get",
        "/accounts/organisations/request/",
        {**STAFF_ONLY, "staff": 403, "applicant": 200, "other_applicant": 200, "expert": 200},
    ),  # fmt: skip
    # Only the person who asked cancels; to others the request does not exist.
    "accounts:cancel": (
        "post",
        "/accounts/organisations/requests/{request}/cancel/",
        {**STAFF_ONLY, "staff": 403, "applicant": 302, "other_applicant": 404, "expert": 404},
    ),  # fmt: skip
    # Staff decide (the empty form comes back with its error); the person who asked and
    # people who do not represent the organisation do not see the request.
    "accounts:decide": (
        "post",
        "/accounts/organisations/requests/{request}/decide/",
        {**dict.fromkeys(ROLES, 404), "anonymous": 302, "staff": 302},
    ),  # fmt: skip
    "accounts:accept": ("get", "/accounts/invitation/{token}/", PUBLIC),
    "accounts:people": ("get", "/accounts/people/", STAFF_ONLY),
    "accounts:person": ("get", "/accounts/people/{person}/", STAFF_ONLY),
    "accounts:activation": ("post", "/accounts/people/{person}/activation/", STAFF_ACTS),
    "accounts:invitations": ("get", "/accounts/people/invitations/", STAFF_ONLY),
    "accounts:revoke": ("post", "/accounts/people/invitations/{invitation}/revoke/", STAFF_ACTS),
    "accounts:requests": ("get", "/accounts/people/requests/", STAFF_ONLY),
    "set_language": ("post", "/i18n/setlang/", dict.fromkeys(ROLES, 302)),
    "admin:index": ("get", "/admin/", BACK_OFFICE),
    "api-1.0.0:evaluate_expression": ("post", "/api/v1/magnets/evaluate", PUBLIC),
    "api-1.0.0:magnet_results": ("get", "/api/v1/magnets/public/results", PUBLIC),
    "api-1.0.0:magnet_results-private": ("get", "/api/v1/magnets/private/results", STAFF_OR_HIDDEN),
    "api-1.0.0:openapi-json": ("get", "/api/v1/openapi.json", PUBLIC),
    "api-1.0.0:openapi-view": ("get", "/api/v1/docs", PUBLIC),
    "strategy:index": ("get", "/dashboard/", PUBLIC),
    "strategy:versions": ("get", "/dashboard/versions/", PUBLIC),
    "strategy:compare": ("get", "/dashboard/compare/?left=dw&right=draft", PUBLIC),
    "strategy:home": ("get", "/dashboard/dw/", PUBLIC),
    "strategy:home-private": ("get", "/dashboard/draft/", STAFF_OR_HIDDEN),
    "strategy:ambition": ("get", "/dashboard/dw/ambitions/amb/", PUBLIC),
    "strategy:ambition-private": ("get", "/dashboard/draft/ambitions/amb/", STAFF_OR_HIDDEN),
    "strategy:programme": ("get", "/dashboard/dw/programmes/prog/", PUBLIC),
    "strategy:programme-private": ("get", "/dashboard/draft/programmes/prog/", STAFF_OR_HIDDEN),
    "strategy:action": ("get", "/dashboard/actions/{action}/", PUBLIC),
    "strategy:action-private": ("get", "/dashboard/actions/{draft_action}/", STAFF_OR_HIDDEN),
    "strategy:indicator": ("get", "/dashboard/indicators/ind-dw/", PUBLIC),
    "strategy:indicator-private": ("get", "/dashboard/indicators/ind-draft/", STAFF_OR_HIDDEN),
    "strategy:actions": ("get", "/dashboard/dw/actions/", PUBLIC),
    "strategy:actions-private": ("get", "/dashboard/draft/actions/", STAFF_OR_HIDDEN),
    "strategy:actions_csv": ("get", "/dashboard/dw/actions.csv", PUBLIC),
    "strategy:actions_csv-private": ("get", "/dashboard/draft/actions.csv", STAFF_OR_HIDDEN),
    "strategy:steering": ("get", "/dashboard/dw/steering/", PUBLIC),
    "strategy:steering-private": ("get", "/dashboard/draft/steering/", STAFF_OR_HIDDEN),
    "strategy:import": ("get", "/dashboard/measurements/import/", STAFF_ONLY),
    "strategy:import_detail": ("get", "/dashboard/measurements/import/{staged}/", STAFF_ONLY),
    "calls:list": ("get", "/calls/", PUBLIC),
    "calls:call": ("get", "/calls/tremplin/", PUBLIC),
    "calls:call-private": ("get", "/calls/hidden/", STAFF_OR_HIDDEN),
    "calls:apply": ("post", "/calls/tremplin/apply/", APPLICANTS_ONLY),
    "calls:applications": (
        "get",
        "/calls/applications/",
        {**APPLICANTS_ONLY, "applicant": 200, "other_applicant": 200},
    ),
    "calls:application": ("get", "/calls/applications/{application}/", OWNER_OR_STAFF),
    "calls:edit": (
        "get",
        "/calls/applications/{application}/step/organisation/",
        {**OWNER_OR_STAFF, "staff": 403},
    ),
    # Posted without a file: the applicant gets the step back with the errors (400).
    "calls:upload": (
        "post",
        "/calls/applications/{application}/documents/",
        {**OWNER_ACTS, "applicant": 400},
    ),
    "calls:submit": ("post", "/calls/applications/{application}/submit/", OWNER_ACTS),
    "calls:withdraw": ("post", "/calls/applications/{application}/withdraw/", OWNER_ACTS),
    "calls:document": ("get", "/calls/documents/{document}/", OWNER_OR_STAFF),
    "calls:delete_document": ("post", "/calls/documents/{document}/delete/", OWNER_ACTS),
    "calls:impact": ("get", "/calls/impact/", PUBLIC),
    "calls:experts": ("get", "/calls/experts/", PUBLIC),
    "calls:expert_apply": (
        "get",
        "/calls/experts/apply/",
        {**EVALUATORS_ONLY, "evaluator": 403, "expert": 200},
    ),
    # The survey opens once the project is completed: a draft's survey is refused to all.
    "calls:survey": (
        "get",
        "/calls/applications/{application}/survey/",
        {**OWNER_OR_STAFF, "staff": 403, "applicant": 403},
    ),
    "calls:coachings": (
        "get",
        "/calls/coachings/",
        {**EVALUATORS_ONLY, "evaluator": 403, "expert": 200},
    ),
    "calls:coaching": ("get", "/calls/coachings/{coaching}/", COACHING),
    "calls:choose": (
        "post",
        "/calls/coachings/{coaching}/choose/",
        {**COACHING, "applicant": 302, "staff": 403},
    ),
    "calls:report": (
        "post",
        "/calls/coachings/{coaching}/report/",
        {**COACHING, "applicant": 302, "staff": 403},
    ),
    "calls:confirm": (
        "post",
        "/calls/coachings/{coaching}/confirm/",
        {**COACHING, "applicant": 302, "staff": 403},
    ),
    "calls:propose": (
        "post",
        "/calls/tremplin/manage/{application}/shortlist/",
        {**STAFF_ONLY, "staff": 302},
    ),
    "calls:reviews": ("get", "/calls/reviews/", EVALUATORS_ONLY),
    "calls:review": ("get", "/calls/reviews/{assignment}/", {**EVALUATORS_ONLY, "evaluator": 200}),
    "calls:declare": (
        "post",
        "/calls/reviews/{assignment}/declare/",
        {**EVALUATORS_ONLY, "evaluator": 302},
    ),
    "calls:scores": (
        "post",
        "/calls/reviews/{assignment}/scores/",
        {**EVALUATORS_ONLY, "evaluator": 302},
    ),
    "calls:manage": ("get", "/calls/tremplin/manage/", STAFF_ONLY),
    "calls:manage_calls": ("get", "/calls/manage/", STAFF_ONLY),
    "calls:assign": ("post", "/calls/tremplin/manage/assign/", {**STAFF_ONLY, "staff": 302}),
    "calls:eligibility": (
        "post",
        "/calls/tremplin/manage/{application}/eligibility/",
        {**STAFF_ONLY, "staff": 302},
    ),
    "calls:consensus": ("get", "/calls/tremplin/manage/{application}/consensus/", STAFF_ONLY),
    "calls:decide": (
        "post",
        "/calls/tremplin/manage/{application}/decision/",
        {**STAFF_ONLY, "staff": 302},
    ),
    "data:catalogue": ("get", "/data/", PUBLIC),
    "data:dataset": ("get", "/data/organisations/", PUBLIC),
    "opendata:catalog": ("get", "/api/explore/v2.1/catalog/datasets", PUBLIC),
    "opendata:dataset": ("get", "/api/explore/v2.1/catalog/datasets/organisations", PUBLIC),
    "opendata:records": (
        "get",
        "/api/explore/v2.1/catalog/datasets/organisations/records",
        PUBLIC,
    ),
    "opendata:facets": ("get", "/api/explore/v2.1/catalog/datasets/organisations/facets", PUBLIC),
    "opendata:export": (
        "get",
        "/api/explore/v2.1/catalog/datasets/organisations/exports/csv",
        PUBLIC,
    ),
    "opendata:catalog-export": ("get", "/api/explore/v2.1/catalog/exports/dcat", PUBLIC),
    "opendata:root": ("get", "/api/explore/v2.1/", PUBLIC),
    "opendata:catalog-root": ("get", "/api/explore/v2.1/catalog", PUBLIC),
    "opendata:catalog-facets": ("get", "/api/explore/v2.1/catalog/facets", PUBLIC),
    "opendata:catalog-exports": ("get", "/api/explore/v2.1/catalog/exports", PUBLIC),
    "opendata:record": (
        "get",
        "/api/explore/v2.1/catalog/datasets/organisations/records/{org}",
        PUBLIC,
    ),
    # A natural person is never published, whoever asks.
    "opendata:record-private": (
        "get",
        "/api/explore/v2.1/catalog/datasets/organisations/records/{natural_person}",
        dict.fromkeys(ROLES, 404),
    ),
    "opendata:attachments": (
        "get",
        "/api/explore/v2.1/catalog/datasets/organisations/attachments",
        PUBLIC,
    ),
    "opendata:exports": ("get", "/api/explore/v2.1/catalog/datasets/organisations/exports", PUBLIC),
    "opendata-v1:records-search": (
        "get",
        "/api/records/1.0/search/?dataset=organisations",
        PUBLIC,
    ),
    "opendata-v1:records-download": (
        "get",
        "/api/records/1.0/download/?dataset=organisations",
        PUBLIC,
    ),
    "opendata-v1:datasets-search": ("get", "/api/datasets/1.0/search/", PUBLIC),
    "opendata-v1:dataset": ("get", "/api/datasets/1.0/organisations/", PUBLIC),
    "opendata-v1:record": ("get", "/api/datasets/1.0/organisations/records/{org}/", PUBLIC),
    "opendata-v1:record-private": (
        "get",
        "/api/datasets/1.0/organisations/records/{natural_person}/",
        dict.fromkeys(ROLES, 404),
    ),
    "opendata-v1:download": ("get", "/explore/dataset/organisations/download/", PUBLIC),
    # The portal's dataset link leads to the dataset's page here.
    "opendata-v1:explore-page": (
        "get",
        "/explore/dataset/organisations/",
        dict.fromkeys(ROLES, 302),
    ),
    "maturity:home": ("get", "/digiscore/", PUBLIC),
    # The laureates' progress company by company: staff only (tests/maturity/test_progress.py).
    "maturity:progress": ("get", "/digiscore/progress/", STAFF_ONLY),
    # The barometer shows published groups only (tests/maturity/test_barometer.py).
    "maturity:barometer": ("get", "/digiscore/barometer/", PUBLIC),
    # Staff read assessments; they never start one in a company's name.
    "maturity:start": (
        "post",
        "/digiscore/start/tiny/",
        {**dict.fromkeys(ROLES, 302), "staff": 403},
    ),
    # The private link opens its assessment to whoever holds it.
    "maturity:step": ("get", "/digiscore/a/{assessment_key}/1/", PUBLIC),
    "maturity:report": ("get", "/digiscore/a/{done_key}/report/", PUBLIC),
    "maturity:report-pdf": ("get", "/digiscore/a/{done_key}/report.pdf", PUBLIC),
    # By its number: its owner answers, staff read; others do not learn it exists.
    "maturity:own-step": (
        "get",
        "/digiscore/mine/{assessment}/1/",
        {**{role: 404 for role in ROLES}, "anonymous": 302, "staff": 403, "applicant": 200},
    ),
    "maturity:own-report": (
        "get",
        "/digiscore/mine/{done}/report/",
        {**{role: 404 for role in ROLES}, "anonymous": 302, "staff": 200, "applicant": 200},
    ),
    "maturity:own-report-pdf": (
        "get",
        "/digiscore/mine/{done}/report.pdf",
        {**{role: 404 for role in ROLES}, "anonymous": 302, "staff": 200, "applicant": 200},
    ),
    # django-ninja names its root; it has no page of its own.
    "api-1.0.0:api-root": ("get", "/api/v1/", dict.fromkeys(ROLES, 404)),
}
# Routes answered by Django itself and covered by its own tests.
DJANGO_ROUTES: set[str] = set()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The users and records every route is tried on, made once for the whole matrix: each
    test runs in a savepoint inside this block and is rolled back to it."""
    from django.db import transaction
    from django.test import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=tmp_path_factory.mktemp("access")),
        transaction.atomic(),
    ):
        users = {
            "anonymous": None,
            "staff": make_user("staff", Role.STAFF),
            "applicant": make_user("applicant", Role.APPLICANT),
            "other_applicant": make_user("other", Role.APPLICANT),
            "evaluator": make_user("evaluator", Role.EVALUATOR),
            "expert": make_user("expert", Role.EXPERT),
        }
        org = organisation("Nexalis", "technology:ai")
        natural_person = organisation("Jean Dupont", "org-type:self-employed")
        Magnet.objects.create(
            name="Public", slug="public", expression={"concept": "technology:ai"}, is_public=True
        )
        Magnet.objects.create(
            name="Private", slug="private", expression={"concept": "technology:ai"}
        )
        upload = SchemeImport.objects.create(
            scheme_code="x", file_name="x.csv", file_format="csv", content=""
        )
        public = strategy_tree("dw", is_default=True)
        draft = strategy_tree("draft", status="draft")
        staged = MeasurementImport.objects.create(file_name="m.csv", content="")
        call = make_call("tremplin")
        hidden = make_call("hidden")
        hidden.is_published = False
        hidden.save()
        own = organisation("Applicant SRL", "org-type:sme")
        Affiliation.objects.create(user=users["applicant"], organisation=own)
        application = Application.objects.create(
            call=call, organisation=own, created_by=users["applicant"]
        )
        document = documents.attach(
            application, None, ContentFile(PDF), "plan.pdf", users["applicant"]
        )
        asked = services.request_affiliation(
            users["applicant"], organisation("Asked SA").enterprise_number
        )
        invitation, token = services.invite("new@test.example", "evaluator", users["staff"])
        assignment = Assignment.objects.create(
            application=application, evaluator=users["evaluator"]
        )
        coaching = Coaching.objects.create(application=application)
        tiny = store(two_dimensions())
        ongoing = start(tiny, owner=users["applicant"])
        done = start(tiny, owner=users["applicant"])
        answer(done.assessment, {"infra-q": 3, "strategy-q": 1})
        complete(done.assessment)
        found = {
            "assessment": ongoing.assessment.pk,
            "assessment_key": ongoing.key,
            "done": done.assessment.pk,
            "done_key": done.key,
            "org": org.pk,
            "natural_person": natural_person.pk,
            "upload": upload.pk,
            "action": public["action"].pk,
            "draft_action": draft["action"].pk,
            "staged": staged.pk,
            "application": application.pk,
            "document": document.pk,
            "assignment": assignment.pk,
            "coaching": coaching.pk,
            "request": asked.pk,
            "invitation": invitation.pk,
            "token": token,
            "person": users["other_applicant"].pk,
        }
        yield users, found
        transaction.set_rollback(True)


@pytest.fixture
def users(db, world):
    return world[0]


@pytest.fixture
def records(db, world):
    return world[1]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", MATRIX)
def test_each_role_gets_what_it_may(client_for, records, name, role):
    method, path, expected = MATRIX[name]
    client = client_for(role)
    url = path.format(**records)
    if method == "post":
        data = (
            {"expression": {"concept": "technology:ai"}}
            if "api" in name
            else {"language": "en", "next": "/"}
        )
        if "api" in name:
            response = client.post(url, json.dumps(data), content_type="application/json")
        else:
            response = client.post(url, data)
    else:
        response = client.get(url)
    assert response.status_code == expected[role], f"{role} on {url}"


def _names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            if pattern.namespace != "admin":
                names |= _names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_route_is_in_the_matrix():
    covered = {name.removesuffix("-private").removesuffix("-export-private") for name in MATRIX} | {
        "taxonomy:magnet-export"
    }
    missing = _names(get_resolver()) - covered - DJANGO_ROUTES - {"admin:index"}
    assert not missing, f"add these routes to MATRIX: {sorted(missing)}"
