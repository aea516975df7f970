"""Questionnaires in and out of the database: what is stored reads back the same, a
published version is never overwritten, and a bad file is refused naming file and place."""

import json

import pytest
from django.core.management import CommandError, call_command

from territoria.maturity.definition import parse
from territoria.maturity.models import Assessment, Questionnaire
from territoria.maturity.services.questionnaires import (
    SHIPPED,
    QuestionnaireError,
    current,
    definition_of,
    import_file,
    load_shipped,
    store,
)
from tests.maturity.test_definition import MINIMAL

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.json")), ids=lambda p: p.stem)
def test_a_stored_questionnaire_reads_back_as_it_was_written(path):
    definition = parse(json.loads(path.read_text(encoding="utf-8")))
    stored = store(definition)
    assert definition_of(stored) == definition
    assert current(definition.code) == stored


def test_loading_the_shipped_questionnaires_twice_changes_nothing():
    first = load_shipped()
    assert {q.code for q in first} == {"digiscore", "dma-sme", "dma-public"}
    assert [q.pk for q in load_shipped()] == [q.pk for q in first]
    assert Questionnaire.objects.count() == 3


def test_a_published_version_is_never_overwritten_but_a_draft_is():
    definition = parse(MINIMAL)
    draft = store(definition, publish=False)
    assert current("mini") is None  # a draft is not what people take
    again = store(definition)
    assert Questionnaire.objects.filter(code="mini").count() == 1
    assert again.pk != draft.pk and again.is_published
    with pytest.raises(QuestionnaireError, match="next version number"):
        store(definition)


def test_a_draft_an_assessment_uses_is_not_replaced():
    draft = store(parse(MINIMAL), publish=False)
    assessment = Assessment(questionnaire=draft)
    assessment.new_key()
    assessment.save()
    with pytest.raises(QuestionnaireError):
        store(parse(MINIMAL))


def test_a_bad_file_is_refused_naming_the_file_and_the_place(tmp_path):
    path = tmp_path / "q.json"
    path.write_text('{"format": "territoria-questionnaire/1",\n "code": }', encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"q\.json, line 2: not JSON"):
        import_file(path)
    document = json.loads(json.dumps(MINIMAL))
    document["dimensions"][0]["questions"][0]["choices"][0]["score"] = "high"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(
        QuestionnaireError, match=r"q\.json: .*choices\[0\]\.score: expected a number"
    ):
        import_file(path)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(QuestionnaireError, match="not UTF-8"):
        import_file(path)
    with pytest.raises(QuestionnaireError, match="no such file"):
        import_file(tmp_path / "missing.json")
    assert not Questionnaire.objects.exists()


def test_the_commands_import_and_export_the_same_document(tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(MINIMAL), encoding="utf-8")
    call_command("import_questionnaire", str(source), "--draft")
    assert not Questionnaire.objects.get(code="mini").is_published
    target = tmp_path / "out.json"
    call_command("export_questionnaire", "mini", "-o", str(target))
    assert parse(json.loads(target.read_text(encoding="utf-8"))) == parse(MINIMAL)
    with pytest.raises(CommandError, match="no questionnaire"):
        call_command("export_questionnaire", "mini", "7", "-o", str(target))
    source.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError, match="expected an object"):
        call_command("import_questionnaire", str(source))
