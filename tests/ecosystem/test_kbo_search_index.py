"""A first import on PostgreSQL sets the trigram search index aside and builds it again
without locking readers; whatever happens, the index is there and valid afterwards."""

from pathlib import Path

import pytest
from django.db import connection

from territoria.ecosystem.kbo import importer, search_index
from territoria.ecosystem.kbo.generator import generate
from territoria.ecosystem.kbo.importer import import_extract
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import matching_organisations

# Outside a test transaction: the import's own transactions and the concurrent build run
# as in production.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


def index_state() -> bool | None:
    """Whether the trigram index is valid; None when there is none."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [search_index.TRIGRAM_INDEX],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


@pytest.fixture
def full(tmp_path: Path) -> Path:
    return generate(tmp_path / "full", 60, seed=3)


def test_a_first_import_builds_the_index_again_after_writing(full, monkeypatch):
    dropped: list[bool] = []
    write = importer._write

    def watched(*args, **kwargs):
        dropped.append(index_state() is None)  # set aside while the rows are written
        return write(*args, **kwargs)

    monkeypatch.setattr(importer, "_write", watched)
    import_extract(full)
    assert dropped == [True]
    assert index_state() is True
    name = Organisation.objects.filter(kbo__isnull=False).order_by("pk").first().name
    word = max((w for w in name.split() if w.isalpha()), key=len)
    assert matching_organisations(word).filter(name=name).exists()


def test_a_second_import_leaves_the_index_in_place(full, monkeypatch):
    import_extract(full)
    seen: list[bool | None] = []
    write = importer._write

    def watched(*args, **kwargs):
        seen.append(index_state())
        return write(*args, **kwargs)

    monkeypatch.setattr(importer, "_write", watched)
    import_extract(full)
    assert seen == [True]


def test_a_failed_first_import_still_leaves_the_index(full, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer, "_write", broken)
    with pytest.raises(RuntimeError):
        import_extract(full)
    assert index_state() is True


def test_a_missing_or_invalid_index_is_built_before_the_next_import(full):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {search_index.TRIGRAM_INDEX}")
    search_index.ensure()
    assert index_state() is True
    with connection.cursor() as cursor:  # as a build stopped midway leaves it
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass",
            [search_index.TRIGRAM_INDEX],
        )
    assert index_state() is False
    import_extract(full)
    assert index_state() is True
