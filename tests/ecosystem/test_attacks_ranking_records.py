"""Attacks on the ranked directory search, the records API paged from bitmaps (rows read
by key, the public rule not run again), the per-row natural-person rule, and the KBO
writer's background batches and COPY text."""

import datetime
import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from territoria.ecosystem.kbo.generator import generate
from territoria.ecosystem.kbo.importer import import_extract
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import ranked_search_ids, search_ids
from territoria.opendata import selection
from territoria.taxonomy import index
from territoria.taxonomy.models import Tag
from tests.ecosystem.test_kbo_import import SEED, read, rewrite
from tests.factories import concept, organisation

pytestmark = pytest.mark.django_db

V2 = "/api/explore/v2.1/catalog/datasets/organisations"
RECORDS = f"{V2}/records"
V1_RECORD = "/api/datasets/1.0/organisations/records/{}/"
SEARCH_V1 = "/api/records/1.0/search/"


@pytest.fixture(autouse=True)
def _unlimited(settings: Any) -> None:
    settings.OPENDATA_RATE_LIMIT = 10**9


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, body(response)[:300]
    return response.json()["results"]


def names_of(response: Any) -> list[str]:
    return [r["name"] for r in results(response)]


@pytest.fixture
def people(db) -> dict[str, Organisation]:
    namur = concept("territory:namur")
    found = {
        "public": organisation(
            "Zeta Robotique", "org-type:sme", "technology:ai", city="Namur", municipality=namur
        ),
        "public2": organisation("Alpha Robotique", "org-type:startup", city="Mons"),
        "withheld": organisation(
            "Jean Robotique",
            "org-type:self-employed",
            "technology:ai",
            city="Namur",
            street="Rue Secrète 1",
            latitude=50.1,
            longitude=4.1,
            municipality=namur,
        ),
        "form": organisation(
            "Paul Robotique",
            "technology:ai",
            legal_form="Personne physique",
            city="Namur",
            street="Rue Cachée 2",
        ),
        "struck": organisation(
            "Radiée Robotique",
            "org-type:sme",
            "technology:ai",
            city="Namur",
            struck_off_on=datetime.date(2025, 1, 1),
        ),
        "consenting": organisation(
            "Marie Robotique",
            "org-type:self-employed",
            "technology:ai",
            city="Namur",
            street="Rue Privée 3",
            latitude=50.2,
            longitude=4.2,
        ),
    }
    consenting = found["consenting"]
    consenting.record_publication_consent(True, None)
    consenting.save()
    assert found["form"].natural_person_form, "the legal form must mark a natural person"
    index.bump()
    selection._ids_cache.clear()
    return found


HIDDEN = {"Jean Robotique", "Paul Robotique", "Radiée Robotique"}
SHOWN = {"Zeta Robotique", "Alpha Robotique", "Marie Robotique"}

# --- records API: nothing withheld or struck off, whatever the parameters ----------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"where": 'city="Namur"'},
        {"where": 'search("robotique")'},
        {"where": "name like 'Jean*'"},
        {"refine": "city:Namur"},
        {"exclude": "city:Mons"},
        {"refine": "technology:" + "Intelligence artificielle"},
        {"exclude": "org_type:PME"},
        {"refine": "org_type:Indépendant"},
        {"where": 'org_type="Indépendant"'},
        {"where": 'city="Namur"', "refine": "city:Namur", "offset": 1},
        {"order_by": "name"},
        {"order_by": "name desc", "where": 'city="Namur"'},
        {"select": "name, street", "where": "street is not null"},
        {"offset": 1},
        {"offset": 2, "limit": 1},
        {"limit": 1},
        {"q": "Jean"},
    ],
)
def test_records_never_list_a_withheld_person_or_a_struck_off_organisation(people, params) -> None:
    client = Client()
    listed = results(client.get(RECORDS, {"limit": 100, "select": "name", **params}))
    got = {r["name"] for r in listed if "name" in r}
    assert not got & HIDDEN, got
    # The count agrees with the rows a full page gives.
    everything = client.get(RECORDS, {**params, "limit": 100, "offset": 0})
    total = everything.json()["total_count"]
    assert total == len(everything.json()["results"]) <= len(SHOWN)


def test_records_total_and_pages_are_the_public_rows(people) -> None:
    client = Client()
    response = client.get(RECORDS, {"limit": 100, "select": "name"})
    assert set(names_of(response)) == SHOWN
    assert response.json()["total_count"] == len(SHOWN)
    seen: list[str] = []
    for offset in range(0, 5):
        seen += names_of(client.get(RECORDS, {"limit": 1, "offset": offset, "select": "name"}))
    assert sorted(seen) == sorted(SHOWN)
    past = client.get(RECORDS, {"limit": 10, "offset": 50})
    assert results(past) == [] and past.json()["total_count"] == len(SHOWN)
    zero = client.get(RECORDS, {"limit": 0})
    assert results(zero) == [] and zero.json()["total_count"] == len(SHOWN)


@pytest.mark.parametrize("who", ["withheld", "form", "struck"])
def test_a_hidden_record_is_not_found_by_id(people, who) -> None:
    client = Client()
    pk = people[who].pk
    assert client.get(f"{RECORDS}/{pk}").status_code == 404
    assert client.get(V1_RECORD.format(pk)).status_code == 404
    for params in ({"where": f"id={pk}"}, {"refine": "city:Namur"}, {"select": "name, street"}):
        assert client.get(f"{RECORDS}/{pk}", params).status_code == 404


@pytest.mark.parametrize(
    "record_id",
    ["-1", "0", "4294967296", "18446744073709551616", "1e3", "1.0", "99999999999999999", "١"],
)
def test_odd_record_ids_are_not_found_not_errors(people, record_id) -> None:
    response = Client().get(f"{RECORDS}/{record_id}")
    assert response.status_code == 404, body(response)[:300]


def test_a_consenting_persons_home_stays_private_in_every_form(people) -> None:
    client = Client()
    pk = people["consenting"].pk
    one = client.get(f"{RECORDS}/{pk}").json()
    assert one["name"] == "Marie Robotique"
    assert one["street"] is None and one["geo_point_2d"] is None
    listed = results(client.get(RECORDS, {"where": f"id={pk}"}))
    assert listed[0]["street"] is None and listed[0]["geo_point_2d"] is None
    assert client.get(RECORDS, {"where": 'street="Rue Privée 3"'}).json()["total_count"] == 0
    assert client.get(RECORDS, {"where": "street is not null"}).json()["total_count"] == 0
    csv = body(client.get(f"{V2}/exports/csv"))
    assert b"Secr" not in csv and b"Priv" not in csv and b"Cach" not in csv
    assert b"Jean Robotique" not in csv and b"Radi" not in csv


def _hidden_after(client: Client, pk: int) -> None:
    assert client.get(f"{RECORDS}/{pk}").status_code == 404
    listed = client.get(RECORDS, {"limit": 100, "select": "id"})
    assert pk not in [r["id"] for r in results(listed)]
    assert listed.json()["total_count"] == len(results(listed))
    refined = client.get(RECORDS, {"limit": 100, "select": "id", "refine": "city:Namur"})
    assert pk not in [r["id"] for r in results(refined)]


def test_a_consent_withdrawn_between_two_requests_hides_the_person_at_once(people) -> None:
    client = Client()
    marie = people["consenting"]
    assert client.get(f"{RECORDS}/{marie.pk}").status_code == 200
    assert "Marie Robotique" in names_of(client.get(RECORDS, {"limit": 100}))
    marie.record_publication_consent(False, None)
    marie.save()
    _hidden_after(client, marie.pk)


def test_a_strike_off_between_two_requests_hides_the_organisation_at_once(people) -> None:
    client = Client()
    zeta = people["public"]
    assert client.get(f"{RECORDS}/{zeta.pk}").status_code == 200
    zeta.struck_off_on = datetime.date(2026, 1, 1)
    zeta.save()
    _hidden_after(client, zeta.pk)


def test_a_self_employed_tag_added_between_two_requests_hides_the_record(people) -> None:
    client = Client()
    zeta = people["public"]
    assert client.get(f"{RECORDS}/{zeta.pk}").status_code == 200
    Tag.objects.create(
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id=zeta.pk,
        concept=concept("org-type:self-employed"),
    )
    _hidden_after(client, zeta.pk)


def test_a_legal_form_that_becomes_a_natural_persons_hides_the_record(people) -> None:
    client = Client()
    zeta = people["public"]
    assert client.get(f"{RECORDS}/{zeta.pk}").status_code == 200
    assert client.get(f"/ecosystem/organisations/{zeta.pk}/").status_code == 200
    zeta.legal_form = "Personne physique"
    zeta.save()
    _hidden_after(client, zeta.pk)
    assert Client().get(f"/ecosystem/organisations/{zeta.pk}/").status_code in (404, 302)


# --- the directory's ranked search --------------------------------------------------------


def directory_names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [org.name for org in response.context["page"]]


def test_the_directory_never_ranks_a_hidden_record_in(people) -> None:
    client = Client()
    for params in (
        {"q": "robotique"},
        {"q": "robotique", "sort": "name"},
        {"q": "robotique namur"},
        {"q": "robotique", "c": "technology:ai"},
        {"q": "ro robotique"},
    ):
        shown = set(directory_names(client.get("/ecosystem/", params)))
        assert not shown & HIDDEN, (params, shown)


@pytest.mark.parametrize("sort", ["name", "relevance", "", "NAME", "x" * 500])
@pytest.mark.parametrize("page", ["1", "2", "0", "-1", "999", "abc", "last"])
def test_odd_sort_and_page_values_answer(people, sort, page) -> None:
    response = Client().get("/ecosystem/", {"q": "robotique", "sort": sort, "page": page})
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert not set(directory_names(response)) & HIDDEN


def test_the_same_matches_in_both_orders(people) -> None:
    for n in range(25):
        organisation(f"Robotique {n:02d}", "org-type:sme", description_fr="robot " * (n % 5))
    client = Client()

    def every(params: dict[str, str]) -> list[str]:
        seen: list[str] = []
        for number in range(1, 10):
            response = client.get("/ecosystem/", {**params, "page": number})
            seen += directory_names(response)
            if not response.context["page"].has_next():
                break
        return seen

    ranked = every({"q": "robotique"})
    by_name = every({"q": "robotique", "sort": "name"})
    assert len(ranked) == len(set(ranked))
    assert sorted(ranked) == sorted(by_name)
    assert not set(ranked) & HIDDEN


@pytest.mark.parametrize(
    "query",
    [
        "robotique ro",
        "ro robotique",
        "ro bo robotique",
        "e robotique",
        "ROBOTIQUE",
        "robotiqué",
        "ROBOTIQUE Z",
        "robotique %",
        "robotique _",
        "robotique ''",
        'robotique "',
        "robotique *",
        "rob* rob",
        "robotique^ ne",
        "robotique NOT",
        "jean robotique",
    ],
)
def test_ranked_matches_are_the_matches(people, query) -> None:
    ranked = ranked_search_ids(query)
    assert ranked is not None
    assert len(ranked) == len(set(ranked))
    assert set(ranked) == set(search_ids(query)), query


def test_a_very_long_query_answers_quickly(people) -> None:
    query = " ".join(("robotique" * 200)[: 1000 + i] for i in range(12))
    started = time.monotonic()
    response = Client().get("/ecosystem/", {"q": query})
    assert response.status_code == 200
    assert time.monotonic() - started < 5


def test_without_a_search_there_is_no_order_to_choose(people) -> None:
    """Name order is the only one without a search: no "most relevant first" link."""
    client = Client()
    plain = client.get("/ecosystem/")
    assert plain.context["sort_links"] is None
    by_name = client.get("/ecosystem/", {"sort": "name"})
    assert by_name.context["sort"] == "name"
    assert by_name.context["sort_links"] is None
    assert "most relevant first" not in by_name.content.decode()


def test_short_words_alone_offer_no_relevance_order(people) -> None:
    """Words under three letters cannot rank: the page does not offer a relevance order."""
    response = Client().get("/ecosystem/", {"q": "ro", "sort": "name"})
    assert response.context["sort_links"] is None


def test_the_htmx_fragment_keeps_name_order(people) -> None:
    client = Client()
    response = client.get(
        "/ecosystem/", {"q": "robotique", "sort": "name"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="sort" value="name"' in text
    assert directory_names(response) == sorted(directory_names(response), key=str.casefold)


# --- the KBO writer: values that COPY text or multi-row statements could break ----------

ODD_NAMES = [
    "Tab\there",
    "Back\\slash",
    "\\N",
    "Ends with backslash\\",
    "\\.",
    "Cr\rlf",
    "Liège – “quoted” ✓ 𝄞",
    "Line\nbreak",
    "\\x00ff",
]


def _with_names(folder: Path, names: list[str]) -> list[str]:
    numbers = [row["EnterpriseNumber"] for row in read(folder, "enterprise.csv")][: len(names)]

    def edit(lines: list[str]) -> None:
        for number, name in zip(numbers, names, strict=True):
            quoted = name.replace('"', '""')
            lines.append(f'"{number}","1","003","{quoted}"\n')

    rewrite(folder, "denomination.csv", edit)
    return numbers


def _with_legal_names(folder: Path, names: list[str]) -> list[str]:
    """The legal names (001) of the first legal persons replaced by `names`."""
    numbers = [
        row["EnterpriseNumber"]
        for row in read(folder, "enterprise.csv")
        if row["TypeOfEnterprise"] == "2"
    ][: len(names)]
    wanted = dict(zip(numbers, names, strict=True))

    def edit(lines: list[str]) -> None:
        for i, line in enumerate(lines):
            number = line.split(",", 1)[0].strip('"')
            if number in wanted and ',"001",' in line:
                head = line.rsplit(",", 1)[0]
                lines[i] = head + ',"' + wanted[number].replace('"', '""') + '"\n'

    rewrite(folder, "denomination.csv", edit)
    return numbers


LEGAL_NAMES = ["Tab\tLegal", "\\N", "Back\\slash\\", "Two\\\\t lines\nhere"]


def test_odd_characters_in_legal_names_come_through_whole(tmp_path: Path) -> None:
    full = generate(tmp_path / "full", 30, seed=SEED)
    numbers = _with_legal_names(full, LEGAL_NAMES)
    import_extract(full)
    stored = dict(Organisation.objects.values_list("enterprise_number", "name"))
    assert [stored[number] for number in numbers] == LEGAL_NAMES
    # And again through an update of the same rows (UPDATE statements, not COPY).
    again = generate(tmp_path / "again", 30, seed=SEED)
    changed = [name + " bis" for name in LEGAL_NAMES]
    _with_legal_names(again, changed)
    import_extract(again)
    stored = dict(Organisation.objects.values_list("enterprise_number", "name"))
    assert [stored[number] for number in numbers] == changed


def test_odd_characters_come_through_the_writer_whole(tmp_path: Path) -> None:
    full = generate(tmp_path / "full", 30, seed=SEED)
    numbers = _with_names(full, ODD_NAMES)
    import_extract(full)
    _assert_other_names(numbers, ODD_NAMES)


def test_an_update_rewrites_odd_characters_whole(tmp_path: Path) -> None:
    full = generate(tmp_path / "full", 30, seed=SEED)
    import_extract(full)
    again = generate(tmp_path / "again", 30, seed=SEED)
    numbers = _with_names(again, ODD_NAMES)
    import_extract(again)
    _assert_other_names(numbers, ODD_NAMES)


def _assert_other_names(numbers: list[str], names: list[str]) -> None:
    """Each enterprise's other names hold its name, whole."""
    for number, name in zip(numbers, names, strict=True):
        other = Organisation.objects.get(enterprise_number=number).other_names
        assert name in other, (name, other)


def test_imported_organisations_are_found_by_the_ranked_search(tmp_path: Path) -> None:
    full = generate(tmp_path / "full", 30, seed=SEED)
    numbers = _with_names(full, ["Zyxwvu Tab\tName", "Zyxwvu \\N back"])
    import_extract(full)
    ranked = ranked_search_ids("zyxwvu")
    ids = set(
        Organisation.objects.filter(enterprise_number__in=numbers).values_list("pk", flat=True)
    )
    assert ranked is not None and set(ranked) == ids == set(search_ids("zyxwvu"))


def test_json_decoding_is_not_confused(people) -> None:
    # The API's JSON stays JSON whatever the name holds.
    organisation('Quote " and \\ backslash Robotique', "org-type:sme")
    response = Client().get(RECORDS, {"where": 'search("backslash")'})
    assert json.loads(body(response))["total_count"] == 1


def test_an_events_withheld_organiser_is_named_nowhere(people) -> None:
    from territoria.ecosystem.models import Event

    day = datetime.date(2026, 3, 1)
    hidden = Event.objects.create(title="Atelier A", starts_on=day, organiser=people["withheld"])
    Event.objects.create(title="Atelier B", starts_on=day, organiser=people["consenting"])
    Event.objects.create(title="Atelier C", starts_on=day, organiser=people["form"])
    Event.objects.create(title="Atelier D", starts_on=day)
    client = Client()
    base = "/api/explore/v2.1/catalog/datasets/events"
    rows = results(client.get(f"{base}/records", {"limit": 100}))
    organisers = {r["title"]: r["organiser"] for r in rows}
    assert organisers == {
        "Atelier A": None,
        "Atelier B": "Marie Robotique",
        "Atelier C": None,
        "Atelier D": None,
    }
    assert all(r["organiser_enterprise_number"] is None for r in rows if r["title"] != "Atelier B")
    one = client.get(f"{base}/records/{hidden.pk}").json()
    assert one["organiser"] is None and one["organiser_enterprise_number"] is None
    for where in ('organiser="Jean Robotique"', "organiser like 'Jean*'", 'search("Jean")'):
        response = client.get(f"{base}/records", {"where": where})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert response.json()["total_count"] == 0, where
    facets = client.get(f"{base}/facets").json()["facets"]
    values = {
        v["name"] for group in facets if group["name"] == "organiser" for v in group["facets"]
    }
    assert "Jean Robotique" not in values and "Paul Robotique" not in values


def test_aggregates_and_v1_search_count_public_rows_alone(people) -> None:
    client = Client()
    grouped = results(client.get(RECORDS, {"select": "city, count(*) as n", "group_by": "city"}))
    assert {r["city"]: r["n"] for r in grouped} == {"Namur": 2, "Mons": 1}
    total = results(client.get(RECORDS, {"select": "count(*) as n"}))
    assert total == [{"n": len(SHOWN)}]
    v1 = client.get(SEARCH_V1, {"dataset": "organisations", "q": "robotique", "rows": 100})
    assert v1.status_code == 200
    got = {r["fields"]["name"] for r in v1.json()["records"]}
    assert got == SHOWN and v1.json()["nhits"] == len(SHOWN)


def test_the_next_page_keeps_name_order(people) -> None:
    for n in range(25):
        organisation(f"Robotique {n:02d}", "org-type:sme")
    response = Client().get("/ecosystem/", {"q": "robotique", "sort": "name"})
    text = response.content.decode()
    assert 'rel="next"' in text
    link = text.split('rel="next"')[0].rsplit('href="', 1)[1]
    assert "sort=name" in link and "page=2" in link


def test_an_update_rewrites_the_search_index_of_updated_rows(tmp_path: Path) -> None:
    full = generate(tmp_path / "full", 30, seed=SEED)
    numbers = _with_names(full, ["Qwertzu Alpha\\N", "Qwertzu Beta\t"])
    import_extract(full)
    assert ranked_search_ids("qwertzu") is not None and len(ranked_search_ids("qwertzu")) == 2
    again = generate(tmp_path / "again", 30, seed=SEED)
    _with_names(again, ["Plmokn Alpha", "Qwertzu Beta"])
    import_extract(again)
    first = Organisation.objects.get(enterprise_number=numbers[0]).pk
    second = Organisation.objects.get(enterprise_number=numbers[1]).pk
    assert ranked_search_ids("qwertzu") == [second]
    assert ranked_search_ids("plmokn") == [first]
    assert set(search_ids("qwertzu alpha")) == set()


def test_a_database_error_in_a_background_batch_is_the_error_the_import_raises(
    tmp_path: Path, monkeypatch
) -> None:
    """A batch fails in the background while the importer's thread prepares the next chunk,
    which strikes off an enterprise (a statement of its own, on the same transaction): the
    import must raise the batch's error, not the refusal of a later statement."""
    from territoria.ecosystem.kbo import importer, writer

    full = generate(tmp_path / "full", 150, seed=SEED)
    update = generate(tmp_path / "update", 150, seed=SEED, update_share=0.2)
    import_extract(full)
    # Enterprises among those the update writes leave the register: struck off while a
    # batch is in flight.
    touched = {row["EnterpriseNumber"] for row in read(update, "enterprise_insert.csv")}
    touched |= {row["EnterpriseNumber"] for row in read(update, "enterprise_delete.csv")}
    gone = [row["EnterpriseNumber"] for row in read(full, "enterprise.csv")]
    gone = [number for number in gone if number not in touched][-30:]
    rewrite(update, "enterprise_delete.csv", lambda lines: lines.extend(f'"{n}"\n' for n in gone))
    monkeypatch.setattr(importer, "CHUNK", 3)
    # A batch fails in the background; strike-offs (statements of the importer's own
    # thread) follow it. The importer waits for the batch before each, so the error it
    # raises is the batch's, not the refusal of a statement on an aborted transaction.
    calls = {"batches": 0, "failed": 0, "struck": 0}
    run = writer.Background._run

    def failing_run(self, statements):
        calls["batches"] += 1
        if calls["batches"] == 2:
            calls["failed"] = 1
            statements = [writer.Statement("SELECT * FROM no_such_table_here"), *statements]
        run(self, statements)

    strike = importer._strike_off

    def counted_strike(ids, extract):
        calls["struck"] += 1
        return strike(ids, extract)

    monkeypatch.setattr(writer.Background, "_run", failing_run)
    monkeypatch.setattr(importer, "_strike_off", counted_strike)
    with pytest.raises(Exception) as raised:
        import_extract(update)
    assert calls["failed"]
    assert "no_such_table_here" in str(raised.value), repr(raised.value)


@pytest.mark.parametrize(
    "query",
    [
        "\x7frobotique",
        "robotique\u200b",
        "\ufeffrobotique",
        "robo\x00tique",
        "ro\u0301botique",
        "ＲＯＢＯＴＩＱＵＥ",
        "robotique " + "a " * 40,
        " ".join(["zz"] * 10) + " robotique",
    ],
)
def test_odd_characters_in_a_search_answer_and_rank_what_they_match(people, query) -> None:
    response = Client().get("/ecosystem/", {"q": query})
    assert response.status_code == 200
    assert not set(directory_names(response)) & HIDDEN
    ranked = ranked_search_ids(query)
    if ranked is not None:
        assert set(ranked) == set(search_ids(query))


def test_invalid_utf8_in_the_query_string_answers(people) -> None:
    for raw in ("robotique%ED%A0%80", "%FF%FErobotique", "robotique%00", "%22robotique%22%20OR"):
        response = Client().get(f"/ecosystem/?q={raw}")
        assert response.status_code == 200, raw
        assert not set(directory_names(response)) & HIDDEN


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_directorys_downloads_of_a_search_hold_no_hidden_record(people, extension) -> None:
    response = Client().get(f"/ecosystem/organisations.{extension}", {"q": "robotique"})
    assert response.status_code == 200
    data = body(response)
    for name in ("Jean", "Paul", "Radi", "Secr", "Priv"):
        assert name.encode() not in data, name
    if extension != "xlsx":
        assert b"Zeta Robotique" in data and b"Marie Robotique" in data


def test_a_short_word_narrows_without_changing_the_order_of_the_rest(people) -> None:
    for n in range(12):
        organisation(
            f"Robotique {n:02d}",
            "org-type:sme",
            description_fr=("robotique " * (n % 4)) + ("zo" if n % 2 else ""),
        )
    alone = ranked_search_ids("robotique")
    narrowed = ranked_search_ids("robotique zo")
    assert alone is not None and narrowed is not None
    kept = set(search_ids("robotique zo"))
    assert narrowed == [pk for pk in alone if pk in kept]
    assert len(narrowed) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"where": "within_distance(geo_point_2d, geom'POINT(4.2 50.2)', 1km)"},
        {"where": "in_bbox(geo_point_2d, 50.19, 4.19, 50.21, 4.21)"},
        {"where": 'street like "Rue*"'},
        {"where": 'search("Privée")'},
        {"where": 'search("Secrète")'},
        {"group_by": "street", "select": "street, count(*) as n"},
        {"order_by": "street desc", "select": "street"},
    ],
)
def test_a_natural_persons_home_is_reached_by_no_filter(people, params) -> None:
    response = Client().get(RECORDS, {"limit": 100, **params})
    rows = results(response)
    text = json.dumps(rows, ensure_ascii=False)
    assert "Privée" not in text and "Secrète" not in text and "Cachée" not in text
    if "group_by" not in params and "order_by" not in params:
        assert rows == [], rows


@pytest.mark.parametrize("params", [{}, {"refine": "city:Namur"}, {"where": 'search("robotique")'}])
def test_facets_count_public_rows_alone(people, params) -> None:
    response = Client().get(f"{V2}/facets", params)
    assert response.status_code == 200, body(response)[:300]
    groups = {
        g["name"]: {v["name"]: v["count"] for v in g["facets"]} for g in response.json()["facets"]
    }
    assert groups["city"].get("Namur") == 2
    assert "Personne physique" not in groups.get("legal_form", {})
    # Zeta and Marie (consenting) are the public records tagged with AI.
    tech = groups["technology"]
    assert tech.get(concept("technology:ai").label_fr) == 2, tech


def test_a_process_that_loads_the_snapshot_after_a_withdrawal_hides_the_person(people) -> None:
    client = Client()
    marie = people["consenting"]
    assert client.get(f"{RECORDS}/{marie.pk}").status_code == 200  # index built, saved
    marie.record_publication_consent(False, None)
    marie.save()
    index.forget()  # another process: the snapshot on disk, then the change log
    selection._ids_cache.clear()
    _hidden_after(client, marie.pk)
    index.forget()
    assert "Marie Robotique" not in directory_names(client.get("/ecosystem/", {"q": "robotique"}))
