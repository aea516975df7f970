"""`territoria manage build_index`: every container's index built once and its snapshot written."""

import pytest
from django.core.management import call_command

from territoria.taxonomy import containers, snapshot
from tests.factories import organisation

pytestmark = pytest.mark.django_db


def test_it_writes_a_snapshot_per_container(tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path
    organisation("Nexalis", "technology:ai")
    call_command("build_index")
    out = capsys.readouterr().out
    assert "organisation: 1 public records" in out
    for container in containers.all_containers():
        assert snapshot.path_of(container).exists()
