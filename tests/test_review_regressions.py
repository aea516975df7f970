"""Requests that once answered 500 or left state behind (found in review); each now has a clear answer."""

import json

import pytest

from territoria.core.models import AuditEntry
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept, ConceptScheme, Magnet
from tests.factories import concept, organisation


@pytest.fixture
def org(db):
    return organisation("Nexalis", "technology:ai", municipality=concept("territory:namur"))


def test_going_back_in_history_gets_the_whole_directory_page(client, org):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = client.get("/ecosystem/", {"c": "technology:ai"}, headers=headers)
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_a_magnet_whose_concept_was_removed_explains_itself(client_for, org):
    scheme = ConceptScheme.objects.create(code="tmp", title_fr="Temporaire")
    gone = Concept.objects.create(scheme=scheme, notation="gone", label_fr="Disparu")
    Magnet.objects.create(
        name="Vieux", slug="vieux", expression={"concept": "tmp:gone"}, is_public=True
    )
    gone.delete()
    client = client_for("anonymous")
    assert client.get("/magnets/vieux/").status_code == 409
    assert client.get("/magnets/vieux/export.csv").status_code == 409
    assert client.get("/api/v1/magnets/vieux/results").status_code == 400
    body = json.dumps({"expression": {"concept": "tmp:gone"}})
    assert (
        client.post("/api/v1/magnets/evaluate", body, content_type="application/json").status_code
        == 400
    )


@pytest.mark.parametrize("offset", [10**7 + 1, 2**63, 10**30])
def test_huge_offsets_are_refused(client, org, offset):
    Magnet.objects.create(
        name="M", slug="m", expression={"concept": "technology:ai"}, is_public=True
    )
    body = json.dumps({"expression": {"concept": "technology:ai"}, "offset": offset})
    assert (
        client.post("/api/v1/magnets/evaluate", body, content_type="application/json").status_code
        == 400
    )
    assert client.get(f"/api/v1/magnets/m/results?offset={offset}").status_code == 400


@pytest.mark.parametrize(
    "tree, path",
    [
        ("[" * 50000, ""),
        ('{"type": "group", "op": "all", "neg": false, "items": []}', "²"),
        ('{"type": "group", "op": "all", "neg": false, "items": []}', "9" * 5000),
    ],
)
def test_the_builder_survives_forged_input(client_for, org, tree, path):
    response = client_for("staff").post(
        "/magnets/builder/", {"tree": tree, "op": "remove", "path": path}
    )
    assert response.status_code == 200 and response.context["problem"]
    assert client_for("staff").get("/magnets/new/", {"expression": "[" * 50000}).status_code == 200


@pytest.mark.parametrize("value", ["\x00", "x" * 500, "conference"])
def test_odd_type_filters_are_ignored(client, org, value):
    assert client.get("/ecosystem/events/", {"type": value}).status_code == 200
    assert client.get("/ecosystem/publications/", {"type": value}).status_code == 200


def test_a_too_long_magnet_name_is_refused(client_for, org):
    tree = {
        "type": "group",
        "op": "all",
        "neg": False,
        "items": [{"type": "concept", "code": "technology:ai", "neg": False}],
    }
    data = {
        "name": "x" * 201,
        "slug": "long",
        "description": "",
        "container": "organisation",
        "tree": json.dumps(tree),
    }
    response = client_for("staff").post("/magnets/new/", data)
    assert response.status_code == 400 and "name" in response.context["errors"]


def test_back_office_edits_are_audited_and_keep_concept_fields_in_step(client_for, org):
    client = client_for("staff")
    url = f"/admin/ecosystem/organisation/{org.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "name": "Nexalis Robotics",
            "municipality": concept("territory:liege").pk,
            "country": "BE",
            "source": "manual",
            "is_active": "on",
            "taxonomy-tag-content_type-object_id-TOTAL_FORMS": "1",
            "taxonomy-tag-content_type-object_id-INITIAL_FORMS": "0",
            "taxonomy-tag-content_type-object_id-0-concept": concept("territory:namur").pk,
            "taxonomy-tag-content_type-object_id-0-provenance": "manual",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("size_class", None)
    data.pop("founded_on", None)
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    org = Organisation.objects.get(pk=org.pk)
    assert org.name == "Nexalis Robotics"
    change = AuditEntry.objects.get(action="organisation.change", object_id=str(org.pk))
    assert change.before["name"] == "Nexalis" and change.after["name"] == "Nexalis Robotics"
    territory = set(
        org.tags.filter(concept__scheme__code="territory").values_list(
            "concept__notation", flat=True
        )
    )
    assert territory == {"liege"}  # the inline tag could not contradict the municipality field


def test_magnets_created_in_the_back_office_are_audited_with_their_id(client_for, org):
    client = client_for("staff")
    response = client.post(
        "/admin/taxonomy/magnet/add/",
        {
            "name": "Admin",
            "slug": "admin-magnet",
            "description": "",
            "container": "organisation",
            "expression": json.dumps({"concept": "technology:ai"}),
        },
    )
    assert response.status_code == 302
    magnet = Magnet.objects.get(slug="admin-magnet")
    assert AuditEntry.objects.get(action="magnet.create").object_id == str(magnet.pk)
