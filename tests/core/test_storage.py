"""Uploads on the data folder (the default) or an S3-compatible object store (STORAGE_URL).

The object store is a real S3 server on localhost (moto's ThreadedMotoServer speaks S3's
HTTP protocol), reached through boto3 and django-storages exactly as a production one.
"""

import contextlib

import boto3
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from territoria.accounts.models import Affiliation
from territoria.calls.models import ApplicationDocument, private_storage
from territoria.calls.services import documents
from territoria.calls.services.applications import start
from territoria.core.env import ConfigurationError, storage_settings
from territoria.core.storage import DataFolderStorage
from territoria.taxonomy.models import Concept
from tests.calls.conftest import PDF, make_call
from tests.factories import concept, organisation

BUCKET = "territoria-files"
REGION = "eu-west-1"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture(scope="module")
def s3_endpoint():
    """One S3 server for the module, with the bucket an operator would create."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="territoria",
        aws_secret_access_key="not-a-secret",
    )
    # Moto keeps its buckets in this process: a second server (pytest-django runs the tests
    # without a database last, after the others) finds the bucket there already.
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    yield endpoint, client
    server.stop()


@pytest.fixture
def object_store(s3_endpoint, settings):
    """STORAGE_URL=s3://… for this test, as `territoria serve` would read it."""
    endpoint, client = s3_endpoint
    url = f"s3://territoria:not-a-secret@{BUCKET}/site?endpoint_url={endpoint}&region={REGION}"
    settings.STORAGES = {**storage_settings(url), "staticfiles": settings.STORAGES["staticfiles"]}
    return client


@pytest.fixture
def draft(users, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    org = organisation(
        "Friterie Test SRL", "org-type:sme", postcode="5000", city="Namur",
        size_class=concept("size:small"),
    )  # fmt: skip
    Affiliation.objects.create(user=users["applicant"], organisation=org)
    call = make_call()
    call.eligible_types.set(Concept.objects.filter(scheme__code="org-type", notation="sme"))
    return start(call, org, users["applicant"])


def test_uploads_stay_in_the_data_folder_by_default():
    for url in ("", "file://"):
        config = storage_settings(url)
        assert config["private"] == {
            "BACKEND": "territoria.core.storage.DataFolderStorage",
            "OPTIONS": {"folder": "private/documents", "root": None},
        }
        assert config["default"]["OPTIONS"] == {"folder": "media", "root": None}
    shared = storage_settings("file:///srv/territoria")
    assert shared["private"]["OPTIONS"] == {
        "folder": "private/documents",
        "root": "/srv/territoria",
    }


def test_the_configured_storage_is_the_data_folder_unless_storage_url_says_otherwise(settings):
    assert isinstance(storages["private"], DataFolderStorage)
    assert private_storage().path("1/x") == str(settings.DATA_DIR / "private" / "documents" / "1/x")


def test_an_s3_url_gives_private_objects_under_the_prefix():
    config = storage_settings(
        "s3://AKIA:se%2Fcret@files/territoria/?endpoint_url=https://s3.example:9000&region=eu-west-3"
    )
    default, private = config["default"], config["private"]
    assert private["BACKEND"] == default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert private["OPTIONS"]["location"] == "territoria/private/documents"
    assert default["OPTIONS"]["location"] == "territoria/media"
    options = private["OPTIONS"]
    assert options["bucket_name"] == "files"
    assert (options["access_key"], options["secret_key"]) == ("AKIA", "se/cret")
    assert options["endpoint_url"] == "https://s3.example:9000"
    assert options["region_name"] == "eu-west-3"
    assert options["addressing_style"] == "path"
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    # No credentials in the URL: boto3 reads AWS_ACCESS_KEY_ID and the like.
    bare = storage_settings("s3://files")["private"]["OPTIONS"]
    assert "access_key" not in bare and "endpoint_url" not in bare
    assert bare["location"] == "private/documents"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3:///prefix", "bucket is missing"),
        ("s3://files?acl=public-read", "unknown parameter 'acl'"),
        ("ftp://files", "expected a file:// or s3:// URL"),
        ("file://host/path", "expected file:// or file:///path"),
    ],
)
def test_a_bad_storage_url_is_refused_naming_the_problem(url, message):
    with pytest.raises(ConfigurationError, match=message):
        storage_settings(url)


def test_a_document_goes_to_the_object_store_and_comes_back_through_the_access_check(
    object_store, draft, client_for, settings, django_capture_on_commit_callbacks
):
    requirement = draft.call.required_documents.get()
    response = client_for("applicant").post(
        f"/calls/applications/{draft.pk}/documents/",
        {"file": SimpleUploadedFile("plan.pdf", PDF), "requirement": requirement.pk},
    )
    assert response.status_code == 302
    document = ApplicationDocument.objects.get()
    key = f"site/private/documents/{document.file.name}"
    assert object_store.get_object(Bucket=BUCKET, Key=key)["Body"].read() == PDF
    grants = object_store.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's only
    assert all(grant["Grantee"].get("URI") != ALL_USERS for grant in grants)
    assert not (settings.DATA_DIR / "private").exists()  # nothing on the local disk
    with pytest.raises(ValueError, match="no public address"):
        document.file.url  # noqa: B018

    url = document.get_absolute_url()
    own = client_for("applicant").get(url)
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert b"".join(own.streaming_content) == PDF
    assert own["Cache-Control"] == "private, no-store"
    assert client_for("other_applicant").get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        documents.remove_from_draft(document, draft.created_by)
    listed = object_store.list_objects_v2(Bucket=BUCKET, Prefix="site/private/")
    assert listed.get("KeyCount", 0) == 0


def test_a_document_missing_from_the_object_store_is_not_found(object_store, draft, client_for):
    document = documents.attach(
        draft, None, SimpleUploadedFile("plan.pdf", PDF), "plan.pdf", draft.created_by
    )
    object_store.delete_object(Bucket=BUCKET, Key=f"site/private/documents/{document.file.name}")
    assert client_for("applicant").get(document.get_absolute_url()).status_code == 404


def test_other_uploads_get_signed_addresses_only(object_store):
    address = storages["default"].url("report.pdf")
    assert f"/{BUCKET}/site/media/report.pdf?" in address
    assert "X-Amz-Signature=" in address or "Signature=" in address
