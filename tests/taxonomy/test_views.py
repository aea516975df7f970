import json
import re

import pytest

from territoria.core.models import AuditEntry
from territoria.taxonomy import builder
from territoria.taxonomy.models import Magnet
from tests.conftest import ROLES
from tests.factories import organisation

EXAMPLE = {"all": [{"concept": "org-type:startup"}, {"concept": "technology:ai"}]}


@pytest.fixture
def magnets(db):
    organisation("Nexalis", "org-type:startup", "technology:nlp", "territory:namur")
    organisation("Boulangerie", "org-type:sme", "nace:C10")
    public = Magnet.objects.create(
        name="Start-ups IA", slug="startups-ia", expression=EXAMPLE, is_public=True
    )
    private = Magnet.objects.create(
        name="Interne", slug="interne", expression={"concept": "nace:C"}
    )
    return public, private


@pytest.mark.parametrize("role", ROLES)
def test_public_magnets_open_for_everyone(client_for, magnets, role):
    client = client_for(role)
    page = client.get("/magnets/startups-ia/")
    assert page.status_code == 200 and "Nexalis" in page.content.decode()
    assert client.get("/magnets/startups-ia/export.csv").status_code == 200
    listing = client.get("/magnets/").content.decode()
    assert "Start-ups IA" in listing
    assert ("Interne" in listing) == (role == "staff")


@pytest.mark.parametrize("role", ROLES)
def test_private_magnets_are_for_staff_only(client_for, magnets, role):
    client = client_for(role)
    expected = 200 if role == "staff" else 404
    assert client.get("/magnets/interne/").status_code == expected
    assert client.get("/magnets/interne/export.csv").status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/magnets/new/", "/magnets/startups-ia/edit/"])
def test_only_staff_open_the_builder(client_for, magnets, role, url):
    response = client_for(role).get(url)
    expected = {"staff": 200, "anonymous": 302}.get(role, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_use_the_builder_endpoint(client_for, magnets, role):
    response = client_for(role).post(
        "/magnets/builder/", {"tree": json.dumps(builder.empty_tree())}
    )
    assert response.status_code == {"staff": 200, "anonymous": 302}.get(role, 403)


def test_the_csv_export_lists_every_record_with_its_concepts(client, magnets):
    response = client.get("/magnets/startups-ia/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0] == "id,name,enterprise_number,municipality,website,concepts"
    assert len(lines) == 2 and "Nexalis" in lines[1] and "technology:nlp" in lines[1]
    assert response["Content-Disposition"] == 'attachment; filename="startups-ia.csv"'


def test_the_builder_applies_operations_and_counts_live(client_for, magnets):
    client = client_for("staff")
    tree = builder.empty_tree()
    response = client.post(
        "/magnets/builder/",
        {"tree": json.dumps(tree), "op": "add-concept", "path": "", "concept-": "org-type:startup"},
    )
    assert response.status_code == 200
    assert response.context["count"] == 1
    tree = json.loads(response.context["tree_json"])
    response = client.post(
        "/magnets/builder/", {"tree": json.dumps(tree), "op": "toggle-not", "path": "0"}
    )
    assert response.context["count"] == 1  # Boulangerie: not a start-up
    assert (
        response.context["expression_text"] == '{"all": [{"not": {"concept": "org-type:startup"}}]}'
    )


def test_the_builder_reports_an_unknown_concept_without_failing(client_for, magnets):
    response = client_for("staff").post(
        "/magnets/builder/",
        {
            "tree": json.dumps(builder.empty_tree()),
            "op": "add-concept",
            "path": "",
            "concept-": "nace:ZZ",
        },
    )
    assert response.status_code == 200
    assert '"nace:ZZ"' in response.context["problem"] and response.context["count"] is None


def test_the_builder_refuses_a_forged_state_with_a_message(client_for, magnets):
    response = client_for("staff").post(
        "/magnets/builder/", {"tree": '{"type": "evil"}', "op": "remove", "path": "9"}
    )
    assert response.status_code == 200 and "malformed" in response.content.decode()


def test_staff_save_a_magnet_and_the_change_is_audited(client_for, magnets):
    tree = builder.from_expression(EXAMPLE)
    response = client_for("staff").post(
        "/magnets/new/",
        {
            "name": "Mes start-ups",
            "slug": "",
            "description": "",
            "container": "organisation",
            "tree": json.dumps(tree),
            "is_public": "on",
        },
    )
    magnet = Magnet.objects.get(slug="mes-start-ups")
    assert response.status_code == 302 and response["Location"] == "/magnets/mes-start-ups/"
    assert magnet.expression == EXAMPLE and magnet.is_public
    entry = AuditEntry.objects.get(object_type="taxonomy.magnet", object_id=str(magnet.pk))
    assert entry.action == "magnet.create" and entry.after["expression"] == EXAMPLE


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"name": ""}, "name"),
        ({"slug": "startups-ia"}, "slug"),
        ({"container": "planet"}, "container"),
        ({"tree": json.dumps(builder.from_expression({"concept": "nace:ZZ"}))}, "expression"),
        ({"tree": json.dumps(builder.empty_tree())}, "expression"),
        ({"tree": "not json"}, "expression"),
    ],
)
def test_a_wrong_magnet_is_not_saved_and_the_form_says_why(client_for, magnets, fields, problem):
    data = {
        "name": "X",
        "slug": "",
        "description": "",
        "container": "organisation",
        "tree": json.dumps(builder.from_expression(EXAMPLE)),
    }
    data.update(fields)
    before = Magnet.objects.count()
    response = client_for("staff").post("/magnets/new/", data)
    assert response.status_code == 400
    assert problem in response.context["errors"]
    assert Magnet.objects.count() == before


def test_editing_keeps_the_permalink_and_records_before_and_after(client_for, magnets):
    public, _ = magnets
    tree = builder.from_expression({"concept": "technology:ai"})
    client_for("staff").post(
        "/magnets/startups-ia/edit/",
        {
            "name": public.name,
            "slug": "startups-ia",
            "description": "",
            "container": "organisation",
            "tree": json.dumps(tree),
            "is_public": "on",
        },
    )
    public.refresh_from_db()
    assert public.expression == {"all": [{"concept": "technology:ai"}]}
    entry = AuditEntry.objects.get(action="magnet.update")
    assert entry.before["expression"] == EXAMPLE


def test_the_builder_opens_prefilled_from_the_directory(client_for, magnets):
    url = "/magnets/new/?container=organisation&expression=" + json.dumps(EXAMPLE)
    response = client_for("staff").get(url)
    assert response.context["count"] == 1


@pytest.mark.parametrize("role", ROLES)
def test_scheme_exports_are_public(client_for, db, role):
    client = client_for(role)
    turtle = client.get("/taxonomies/size/export.ttl")
    assert turtle.status_code == 200 and b"skos:Concept" in turtle.content
    assert client.get("/taxonomies/size/export.csv").content.startswith(b"notation,parent")


def test_null_characters_in_a_magnet_are_refused(client_for, magnets):
    data = {
        "name": "A\x00B",
        "slug": "",
        "description": "",
        "container": "organisation",
        "tree": json.dumps(builder.from_expression(EXAMPLE)),
    }
    response = client_for("staff").post("/magnets/new/", data)
    assert response.status_code == 400 and "name" in response.context["errors"]


CODE = re.compile(r"\b(org-type|technology|nace|territory|size|label):[A-Za-z0-9-]+")


def _text_outside_attributes_and_json(page: str) -> str:
    page = re.sub(r"<details>.*?</details>", "", page, flags=re.S)  # the JSON for the API
    return re.sub(r"""=("[^"]*"|'[^']*')""", "", page)


@pytest.mark.parametrize("url", ["/magnets/new/", "/magnets/startups-ia/edit/"])
def test_the_builder_names_concepts_by_label_never_by_code(client_for, magnets, url):
    page = client_for("staff").get(url, headers={"Accept-Language": "en"}).content.decode()
    assert not CODE.search(_text_outside_attributes_and_json(page))
    assert '<option value="technology:ai">Artificial intelligence</option>' in page
    assert '<optgroup label="' in page
    if "edit" in url:
        assert "Start-up (" in page and "Artificial intelligence (" in page


def test_an_added_concept_shows_its_label_in_the_page_language(client_for, magnets):
    response = client_for("staff").post(
        "/magnets/builder/",
        {"tree": json.dumps(builder.empty_tree()), "op": "add-concept", "path": "",
         "concept-": "technology:ai"},
        headers={"Accept-Language": "nl"},
    )  # fmt: skip
    page = response.content.decode()
    assert '<span class="concept-label">Artificiële intelligentie (' in page
    assert not CODE.search(_text_outside_attributes_and_json(page))


def test_a_refused_magnet_names_the_fields_as_the_page_does(client_for, magnets):
    data = {
        "name": "X", "slug": "startups-ia", "description": "", "container": "organisation",
        "tree": json.dumps(builder.from_expression(EXAMPLE)),
    }  # fmt: skip
    response = client_for("staff").post("/magnets/new/", data, headers={"Accept-Language": "en"})
    page = response.content.decode()
    assert '<a href="#id_slug">Permalink — Another magnet' in page
    assert 'aria-describedby="id_slug_error"' in page and "slug —" not in page
