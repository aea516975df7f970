"""Staff upload a scheme file; the background worker (django-tasks, database backend) imports it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from territoria.core.models import AuditEntry
from territoria.taxonomy.models import Concept, SchemeImport
from tests.conftest import ROLES

GOOD = "notation,parent,label_fr,label_nl,label_de,label_en,definition\nhealth,,Santé,Gezondheid,Gesundheit,Health,\ntelecare,health,Télésoins,Telezorg,Telepflege,Telecare,\n"


GOOD_BYTES = GOOD.encode()


def upload(client, name="domains.csv", content=GOOD_BYTES, code="domains", title="Domaines"):
    return client.post(
        "/taxonomies/import/",
        {"scheme_code": code, "scheme_title": title, "file": SimpleUploadedFile(name, content)},
    )


def run_worker():
    # The real worker, as `territoria serve` runs it: it takes the queued tasks from the
    # database and closes its connections afterwards, so these tests commit their data.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


worker_test = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_import_schemes(client_for, db, role):
    client = client_for(role)
    expected = {"staff": 200, "anonymous": 302}.get(role, 403)
    assert client.get("/taxonomies/import/").status_code == expected
    assert upload(client).status_code == {"staff": 302}.get(role, expected)


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_see_an_import(client_for, users, role):
    queued = SchemeImport.objects.create(
        scheme_code="x", file_name="x.csv", file_format="csv", content=""
    )
    response = client_for(role).get(f"/taxonomies/imports/{queued.pk}/")
    assert response.status_code == {"staff": 200, "anonymous": 302}.get(role, 403)


@worker_test
def test_the_worker_imports_an_uploaded_file(client_for):
    client = client_for("staff")
    response = upload(client)
    queued = SchemeImport.objects.get()
    assert response["Location"] == f"/taxonomies/imports/{queued.pk}/"
    assert queued.status == "queued"
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page  # the page polls while the worker works

    run_worker()

    queued.refresh_from_db()
    assert (queued.status, queued.created, queued.updated) == ("done", 2, 0)
    assert (
        Concept.objects.get(scheme__code="domains", notation="telecare").parent.notation == "health"
    )
    page = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in page and "/taxonomies/domains/" in page
    assert AuditEntry.objects.filter(
        action="scheme.import", object_type="taxonomy.conceptscheme"
    ).exists()


@worker_test
def test_a_wrong_file_is_refused_by_the_worker_and_nothing_is_written(client_for):
    bad = GOOD + "orphan,nowhere,Orphelin,,,,\n"
    upload(client_for("staff"), content=bad.encode())
    run_worker()
    queued = SchemeImport.objects.get()
    assert queued.status == "failed"
    assert any("line 4" in p or "ligne 4" in p for p in queued.problems)
    assert not Concept.objects.filter(scheme__code="domains").exists()


def test_running_an_import_twice_does_nothing_the_second_time(
    client_for, django_capture_on_commit_callbacks
):
    from territoria.taxonomy.services import run_scheme_import

    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for("staff"))
    queued = SchemeImport.objects.get()
    assert run_scheme_import(queued.pk).status == "done"
    assert run_scheme_import(queued.pk).created == 2
    assert Concept.objects.filter(scheme__code="domains").count() == 2


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"name": "domains.xlsx"}, "file"),
        ({"content": b"\xff\xfe\x00bad"}, "file"),
        ({"content": b"x" * (5 * 1024 * 1024 + 10)}, "file"),
        ({"code": "Bad Code"}, "scheme_code"),
        ({"title": ""}, "scheme_title"),
    ],
)
def test_a_bad_upload_is_refused_at_once_and_nothing_is_stored(client_for, db, kwargs, field):
    response = upload(client_for("staff"), **kwargs)
    assert response.status_code == 400
    assert field in response.context["errors"]
    assert not SchemeImport.objects.exists()


def test_a_file_with_null_bytes_is_refused(client_for, db):
    response = upload(client_for("staff"), content=GOOD_BYTES + b"x,,Nul\x00,,,,\n")
    assert response.status_code == 400 and "file" in response.context["errors"]
