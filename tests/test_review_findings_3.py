"""Faults found by a third hostile review (of the conflicts, consent, SQLite, limits and
leases hardening); each test fails until its fault is mended."""

import io
import itertools

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from territoria.taxonomy.models import MAX_DEPTH, Concept, ConceptScheme
from territoria.taxonomy.services.schemes import (
    SchemeImportError,
    import_scheme_csv,
    import_scheme_turtle,
)
from tests.accounts.conftest import deliver
from tests.processes import run_script, site_env

CSV_HEAD = "notation,parent,label_fr\n"

# --- Password-reset e-mails: one mailbox, however its address is spelt -------------------


@pytest.fixture
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def soft_hyphens(address: str, n: int) -> str:
    local, domain = address.split("@")
    return f"{local}@{domain[:1]}{chr(0xAD) * (n + 1)}{domain[1:]}"


def full_width(address: str, n: int) -> str:
    local, domain = address.split("@")
    return f"{local}@{domain[:n]}{chr(ord(domain[n]) + 0xFEE0)}{domain[n + 1 :]}"


# The form accepts a soft hyphen (any number of them) or full-width letters in the domain,
# and the e-mail goes to the domain's IDNA form, which drops the one and folds the others;
# allauth counted the e-mails per address as typed.
@pytest.mark.parametrize("spelling", [soft_hyphens, full_width])
def test_password_reset_mails_to_one_mailbox_are_throttled_however_the_domain_is_spelt(
    users, _fresh_counts, spelling
):
    victim = users["applicant"].email  # applicant@test.example
    for n in range(4):
        client = Client(REMOTE_ADDR=f"198.51.100.{n}")
        response = client.post("/accounts/password/reset/", {"email": spelling(victim, n)})
        assert response.status_code in (302, 429)
    sent = deliver()
    # Every one of them reaches the victim's mailbox: the address as the mail server sees it.
    delivered = [m for m in sent if m.message()["To"] == victim]
    assert len(delivered) == len(sent)
    assert len(sent) == 3
    mail.outbox.clear()


# --- SQLite: a read that finds a conflict writes, and must wait for the lock like a write ---

CONFLICT_SCRIPT = """
import sqlite3, sys, threading, time
import django
django.setup()
from django.conf import settings
settings.DATABASES["default"]["OPTIONS"]["timeout"] = 30
settings.TWO_FACTOR_REQUIRED_ROLES = []
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
call_command("migrate", verbosity=0)
call_command("load_reference", verbosity=0)
from territoria.accounts.models import Affiliation
from territoria.calls.models import Application, Assignment
from territoria.core.models import Role, User
from tests.calls.conftest import make_call
from tests.factories import organisation

org = organisation("Friterie SRL")
applicant = User.objects.create_user("applicant", "a@test.example", role=Role.APPLICANT)
evaluator = User.objects.create_user("evaluator", "e@test.example", role=Role.EVALUATOR)
application = Application.objects.create(
    call=make_call(), organisation=org, created_by=applicant, reference="TIA-1",
    status=Application.Status.UNDER_EVALUATION, submitted_at=timezone.now(),
)
assignment = Assignment.objects.create(application=application, evaluator=evaluator, conflict=False)
client = Client()
client.force_login(evaluator)
client.get("/calls/reviews/")
# Linked to the applicant after declaring no conflict: the next read withdraws the review.
Affiliation.objects.create(user=evaluator, organisation=org)

holder = sqlite3.connect(
    settings.DATABASES["default"]["NAME"], isolation_level=None, check_same_thread=False
)
holder.execute("BEGIN IMMEDIATE")  # another request's write, or an import
holder.execute("INSERT INTO territoria_cache VALUES ('held', 'x', '2999-01-01')")
threading.Timer(1.0, lambda: holder.execute("ROLLBACK")).start()
print("page", client.get(sys.argv[1]).status_code, flush=True)
assignment.refresh_from_db()
print("withdrawn", assignment.withdrawn, flush=True)
"""


@pytest.mark.single_database
@pytest.mark.parametrize("page", ["/calls/reviews/", "review"])
def test_a_read_that_withdraws_a_conflicted_review_waits_for_the_write_lock(tmp_path, page):
    """A GET's transactions begin DEFERRED on SQLite (core.sqlite.base.reads_only): the
    withdrawal's SELECT then UPDATE was refused at once ("database is locked", a 500) while
    any other connection held the write lock, instead of waiting for it as writes do."""
    url = "/calls/reviews/1/" if page == "review" else page
    done = run_script(CONFLICT_SCRIPT, url, env=site_env(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    expected = "403" if page == "review" else "200"
    answers = [line for line in done.stdout.splitlines() if line.startswith(("page", "with"))]
    assert answers == [f"page {expected}", "withdrawn True"]


# --- Scheme imports: concepts a re-import leaves out stay, and count in the depth ---------


def test_a_re_import_that_pushes_left_out_concepts_too_deep_is_refused_naming_them(db):
    """Concepts in the scheme but not in the file stay under their parent. A file that moves
    that parent deep enough put them past MAX_DEPTH: the closure refused it with a bare
    ValueError, which the worker reports as "failed unexpectedly"."""
    scheme = ConceptScheme(code="deep", title_fr="Deep")
    import_scheme_csv(scheme, io.StringIO(CSV_HEAD + "top,,Top\nx,top,X\ny,x,Y\n"))
    chain = [f"c{i}" for i in range(MAX_DEPTH - 1)]
    lines = [f"{chain[0]},,C", *(f"{c},{p},C" for p, c in itertools.pairwise(chain))]
    moved = CSV_HEAD + "\n".join([*lines, f"top,{chain[-1]},Top"]) + "\n"

    with translation.override("en"), pytest.raises(SchemeImportError) as refused:
        import_scheme_csv(scheme, io.StringIO(moved), source="moved.csv")
    assert refused.value.problems == [
        f"in the scheme, not in the file, field parent: {notation!r} is more than {MAX_DEPTH} "
        "levels deep"
        for notation in ("x", "y")
    ]
    assert Concept.objects.get(scheme=scheme, notation="top").parent is None


# --- SQLite: a sign-in while an import holds the write lock --------------------------------

SIGN_IN_SCRIPT = """
import sqlite3, threading
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
from territoria.core.models import Role, User
User.objects.create_user("someone", "someone@test.example", "a long password 1", role=Role.APPLICANT)
client = Client()
client.get("/accounts/login/")
holder = sqlite3.connect(
    settings.DATABASES["default"]["NAME"], isolation_level=None, check_same_thread=False
)
holder.execute("BEGIN IMMEDIATE")  # an import, for three seconds
holder.execute("INSERT INTO territoria_cache VALUES ('held', 'x', '2999-01-01')")
threading.Timer(3.0, lambda: holder.execute("ROLLBACK")).start()
answer = client.post("/accounts/login/", {"login": "someone", "password": "a long password 1"})
print("sign-in", answer.status_code, flush=True)
"""


@pytest.mark.single_database
def test_a_sign_in_during_an_import_waits_for_it_rather_than_hear_too_many_requests(tmp_path):
    """The database cache dropped its writes after 250 ms on SQLite, in every request:
    allauth's rate limits take a lock in the cache (cache.add) and, unable to, answered
    429 "Too many requests" to a correct sign-in while an import held the write lock."""
    done = run_script(SIGN_IN_SCRIPT, env=site_env(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sign-in 302" in done.stdout.splitlines()


TURTLE_WITH_NUL = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/nul> a skos:ConceptScheme .
<https://example.org/nul/a> a skos:Concept ; skos:inScheme <https://example.org/nul> ;
    skos:prefLabel "A"@fr, "%(label)s"@nl ; skos:definition "%(definition)s"@fr .
"""


@pytest.mark.parametrize("field", ["label_nl", "definition"])
def test_a_nul_escaped_in_a_turtle_file_is_refused_naming_the_concept(db, field):
    """The upload refuses a NUL byte, but Turtle writes one as the escape \\u0000: PostgreSQL
    stores no NUL in a text (SQLite does), the prepared statements failed, and the worker
    said "The import failed unexpectedly" with a traceback in its log."""
    texts = {"label": "B", "definition": "D"}
    texts["label" if field == "label_nl" else field] += "\\u0000x"
    with translation.override("en"), pytest.raises(SchemeImportError) as refused:
        import_scheme_turtle(ConceptScheme(code="nul", title_fr="Nul"), TURTLE_WITH_NUL % texts)
    assert refused.value.problems == [
        f"<https://example.org/nul/a>, field {field}: a character that cannot be stored (NUL)"
    ]
    assert not ConceptScheme.objects.filter(code="nul").exists()
