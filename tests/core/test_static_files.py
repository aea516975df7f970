"""Static files as browsers get them: hashed names, gzip and brotli, cached a year; the
collection each start makes, skipped when nothing changed."""

import gzip
import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import brotli
import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string

from territoria.core.staticfiles import collect_static
from tests.core.test_cli import free_port, wait_for
from tests.processes import run_script, site_env

HASHED = r"/static/{}\.[0-9a-f]{{12}}\.{}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_page_names_its_static_files_by_their_content(client, db):
    page = client.get("/").content.decode()
    assert re.search(HASHED.format("core/territoria", "css"), page)
    assert "/static/core/territoria.css" not in page
    assert re.fullmatch(
        HASHED.format("vendor/plotly-territoria.min", "js"),
        staticfiles_storage.url("vendor/plotly-territoria.min.js"),
    )


@pytest.mark.parametrize("name", ["vendor/plotly-territoria.min.js", "core/territoria.css"])
def test_hashed_files_come_compressed_as_the_client_accepts_and_are_cached_a_year(client, db, name):
    url = staticfiles_storage.url(name)
    hashed = Path(settings.STATIC_ROOT) / staticfiles_storage.stored_name(name)
    original = hashed.read_bytes()
    for accepted, encoding, decompress in [
        ("gzip, deflate, br, zstd", "br", brotli.decompress),  # what Chromium sends
        ("gzip", "gzip", gzip.decompress),
        ("", None, bytes),
    ]:
        response = client.get(url, HTTP_ACCEPT_ENCODING=accepted)
        assert response.status_code == 200
        assert response.get("Content-Encoding") == encoding
        assert decompress(body(response)) == original
        assert response["Cache-Control"] == "max-age=31536000, public, immutable"
        assert "Accept-Encoding" in response["Vary"]
    for suffix in (".br", ".gz"):
        assert hashed.with_name(hashed.name + suffix).stat().st_size < len(original) / 2


def test_the_page_itself_is_not_cached_as_immutable(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "immutable" not in response.get("Cache-Control", "")
    assert "31536000" not in response.get("Cache-Control", "")


def plotly_bundle() -> bytes:
    name = staticfiles_storage.stored_name("vendor/plotly-territoria.min.js")
    return (Path(settings.STATIC_ROOT) / name).read_bytes()


def test_the_plotly_bundle_is_the_partial_one():
    bundle = plotly_bundle()
    assert bundle.startswith(b"/**\n* plotly.js (territoria - minified) v")
    assert len(bundle) < 1_500_000  # the full bundle: 4.8 MB
    # The trace types the pages draw, and no other.
    traces = re.findall(rb'moduleType:"trace",name:"(\w+)"', bundle)
    assert sorted(traces) == [b"bar", b"pie", b"scatter", b"scatterpolar"]


def test_the_plotly_head_names_the_style_ids_the_bundle_checks():
    # Plotly adds a <style> element unless one of this id is there: the strict policy
    # refuses it. MapLibre's id is the sha256 of the build's path: a rebuild changes it.
    head = render_to_string("strategy/_plotly_head.html")
    bundle = plotly_bundle()
    style_ids = set(re.findall(rb'getElementById\("([0-9a-f]{64})"\)', bundle))
    assert style_ids == set(re.findall(rb'<template id="([0-9a-f]{64})">', head.encode()))
    assert b'"plotly.js-style-"' in bundle and 'id="plotly.js-style-global"' in head


@pytest.fixture
def sources(tmp_path, settings):
    """Static files of a folder of their own only, collected into another."""
    folder = tmp_path / "sources"
    (folder / "site").mkdir(parents=True)
    (folder / "site" / "app.css").write_text("body { color: black; }\n" * 200)
    settings.STATICFILES_DIRS = [folder]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "static"
    return folder / "site" / "app.css"


def test_a_collection_is_skipped_until_a_source_changes(sources):
    root = Path(settings.STATIC_ROOT)
    assert collect_static() is True
    first = staticfiles_storage.stored_name("site/app.css")
    assert collect_static() is False  # nothing changed: a start takes milliseconds
    sources.touch()
    assert collect_static() is False  # the same content
    sources.write_text("body { color: navy; }\n" * 200)
    assert collect_static() is True
    second = staticfiles_storage.stored_name("site/app.css")
    assert second != first
    new = root / second
    assert new.read_text().startswith("body { color: navy; }")
    assert brotli.decompress(new.with_name(new.name + ".br").read_bytes()) == new.read_bytes()
    assert gzip.decompress(new.with_name(new.name + ".gz").read_bytes()) == new.read_bytes()
    # Only hashed names are kept: none can go on naming the old content.
    assert not (root / "site" / "app.css").exists()
    assert (root / first).exists()  # pages still open in a browser name it


def test_in_development_files_are_served_as_edited_with_no_collection(tmp_path):
    script = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); from django.test import Client; "
        "page = Client().get('/').content.decode(); "
        "assert '/static/core/territoria.css' in page, page; "
        "response = Client().get('/static/core/territoria.css'); "
        "print(response.status_code, response['Cache-Control'])"
    )
    env = site_env(tmp_path, DEBUG="true", TERRITORIA_STATIC_ROOT=str(tmp_path / "never"))
    result = run_script(script, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "max-age=0,", "public"]
    assert not (tmp_path / "never").exists()


def test_serve_collects_the_static_files_before_it_starts(tmp_path):
    # A folder with the compressed copies but no manifest: serve must collect, and does it
    # in a moment since nothing needs compressing again.
    root = tmp_path / "static"
    shutil.copytree(settings.STATIC_ROOT, root, copy_function=_link)
    (root / "staticfiles.json").unlink()
    env = site_env(tmp_path, TERRITORIA_STATIC_ROOT=str(root))
    port = free_port()
    command = [sys.executable, "-m", "territoria", "serve", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--workers", "1", "--no-worker"], env=env)
    try:
        manifest = f"http://127.0.0.1:{port}/static/staticfiles.json"
        assert wait_for(manifest, 60) == 200
        with urllib.request.urlopen(manifest) as response:  # noqa: S310
            css = json.load(response)["paths"]["core/territoria.css"]
        assert css != "core/territoria.css"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/static/{css}", headers={"Accept-Encoding": "br"}
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310
            assert response.headers["Content-Encoding"] == "br"
            assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _link(source: str, target: str) -> None:
    Path(target).hardlink_to(source)
