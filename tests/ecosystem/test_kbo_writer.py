"""The KBO import's writer: batches written in the background while the next is prepared,
as bound statements (SQLite) or COPY text (PostgreSQL)."""

import datetime
from pathlib import Path

import pytest

from territoria.ecosystem.kbo import importer, writer
from territoria.ecosystem.kbo.generator import generate
from territoria.ecosystem.kbo.importer import import_extract
from territoria.ecosystem.models import KboEnterprise, KboEstablishment, KboImport, Organisation
from territoria.taxonomy.models import Tag
from tests.ecosystem.test_kbo_import import SEED, SHARE, SIZE, snapshot

pytestmark = pytest.mark.django_db


def test_copy_text_escapes_what_would_end_a_field_or_a_line():
    when = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    rows = [
        ["tab\there", "line\nbreak\r", "back\\slash", None, True, False, 7, 1.5],
        [datetime.date(2025, 1, 2), when, b"\x00\xff", "Liège"],
    ]
    assert (
        writer.copy_text(rows)
        == (
            "tab\\there\tline\\nbreak\\r\tback\\\\slash\t\\N\tt\tf\t7\t1.5\n"
            "2025-01-02\t2025-01-02T03:04:05+00:00\t\\\\x00ff\tLiège\n"
        ).encode()
    )


def register() -> tuple:
    return (
        snapshot(),
        sorted(KboEnterprise.objects.values_list("number", "digest", "organisation__name")),
        sorted(KboEstablishment.objects.values_list("number", "enterprise_id")),
    )


def test_many_small_batches_give_the_register_one_batch_gives(tmp_path: Path, monkeypatch):
    full = generate(tmp_path / "full", SIZE, seed=SEED)
    update = generate(tmp_path / "update", SIZE, seed=SEED, update_share=SHARE)
    import_extract(full)
    import_extract(update)
    one_batch = register()
    Tag.objects.all().delete()
    KboEstablishment.objects.all().delete()
    KboEnterprise.objects.all().delete()
    Organisation.objects.all().delete()
    # Seven enterprises a batch: dozens of batches, each written while the next is prepared.
    monkeypatch.setattr(importer, "CHUNK", 7)
    import_extract(full)
    import_extract(update)
    many = register()
    # Ids and times differ (new ones each time): compare by enterprise number, without
    # the time of writing.
    assert many[0].keys() == one_batch[0].keys()
    for number, fields in many[0].items():
        theirs = one_batch[0][number]
        assert (fields[:-2], fields[-1]) == (theirs[:-2], theirs[-1]), number
    assert many[1] == one_batch[1] and many[2] == one_batch[2]


def test_a_batch_that_fails_in_the_background_rolls_the_whole_import_back(
    tmp_path: Path, monkeypatch
):
    full = generate(tmp_path / "full", SIZE, seed=SEED)
    monkeypatch.setattr(importer, "CHUNK", 10)
    run = writer.Statement.run
    calls = {"n": 0}

    def failing(self, raw):
        calls["n"] += 1
        if calls["n"] == 40:  # some batches in: their rows are written, not committed
            raise RuntimeError("disk full")
        return run(self, raw)

    monkeypatch.setattr(writer.Statement, "run", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_extract(full)
    assert not Organisation.objects.exists() and not KboEnterprise.objects.exists()
    assert not Tag.objects.exists()
    failed = KboImport.objects.get()
    assert failed.status == KboImport.Status.FAILED and "disk full" in failed.message
    # And the next run, without the fault, imports everything.
    monkeypatch.setattr(writer.Statement, "run", run)
    assert import_extract(full).created == SIZE


def search_triggers() -> set[str]:
    from django.db import connection

    if connection.vendor != "sqlite":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            ["ecosystem_organisation_search%"],
        )
        return {row[0] for row in cursor.fetchall()}


def test_a_first_import_searches_as_triggers_would_have_indexed_it(tmp_path: Path):
    from django.db import connection

    from territoria.ecosystem.services import search_ids

    triggers = search_triggers()
    full = generate(tmp_path / "full", SIZE, seed=SEED)
    update = generate(tmp_path / "update", SIZE, seed=SEED, update_share=SHARE)
    import_extract(full)  # on SQLite: triggers off, the index rebuilt at the end
    assert search_triggers() == triggers
    if connection.vendor == "sqlite":
        assert len(triggers) == 3
    import_extract(update)  # triggers on
    for organisation in Organisation.objects.exclude(name="")[:40]:
        word = max(organisation.name.split(), key=len)
        if len(word) >= 3:
            assert organisation.pk in search_ids(word), (organisation.name, word)
    # An agency record written after the import is found too: the triggers are back.
    mine = Organisation.objects.create(name="Zyxwvu Atelier")
    assert mine.pk in search_ids("zyxwvu")


def test_a_first_import_that_fails_keeps_the_search_triggers(tmp_path: Path, monkeypatch):
    triggers = search_triggers()
    full = generate(tmp_path / "full", SIZE, seed=SEED)

    def failing(self, raw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer.Statement, "run", failing)
    with pytest.raises(RuntimeError):
        import_extract(full)
    assert search_triggers() == triggers
