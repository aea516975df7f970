"""An open call for the demo, and the demo accounts' places in it.

The open call, its dates and budget are fictitious demo data, clearly marked; its
criteria grid (calls.programme) is a plausible example for staff to edit.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.history import load_programme_history
from territoria.calls.models import (
    Application,
    Call,
    Coaching,
    Criterion,
    DocumentRequirement,
    ExpertCompany,
    Instrument,
)
from territoria.calls.programme import CRITERIA, CRITERIA_TRANSLATIONS, load_instruments
from territoria.core import territory
from territoria.core.i18n import translation_values
from territoria.core.models import User
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept

DOCUMENTS = [
    ("project-plan", "Description du projet", "Le projet pilote, ses objectifs et son calendrier (PDF ou DOCX)."),
    ("budget", "Budget détaillé", "Le budget du projet et son financement (XLSX)."),
]  # fmt: skip
DOCUMENT_TRANSLATIONS = {
    "project-plan": {
        "nl": ("Projectbeschrijving", "Het proefproject, de doelstellingen en de planning (PDF of DOCX)."),
        "de": ("Projektbeschreibung", "Das Pilotprojekt, seine Ziele und sein Zeitplan (PDF oder DOCX)."),
        "en": ("Project description", "The pilot project, its objectives and timetable (PDF or DOCX)."),
    },
    "budget": {
        "nl": ("Gedetailleerde begroting", "De begroting van het project en de financiering ervan (XLSX)."),
        "de": ("Detailliertes Budget", "Das Budget des Projekts und seine Finanzierung (XLSX)."),
        "en": ("Detailed budget", "The project's budget and its funding (XLSX)."),
    },
}  # fmt: skip


def _call_translations(year: int) -> dict[str, str]:
    return translation_values(("title", "summary"), {
        "nl": (f"Tremplin IA {year} (demo-oproep)", "Fictieve demo-oproep: een gefinancierd AI-proefproject, met een stappenplan naar productie."),
        "de": (f"Tremplin IA {year} (Demo-Aufruf)", "Fiktiver Demo-Aufruf: ein gefördertes KI-Pilotprojekt mit einem Fahrplan zum Produktivbetrieb."),
        "en": (f"Tremplin IA {year} (demonstration call)", "Fictitious demonstration call: a funded AI pilot project, with a roadmap to production."),
    })  # fmt: skip


@transaction.atomic
def load_demo_calls(
    applicant: User | None = None,
    now: datetime.datetime | None = None,
    expert: User | None = None,
    laureate: User | None = None,
) -> Call:
    """The instruments, a Tremplin IA call open now, the applicant acting for an SME, the
    expert for a recognised company coaching a Start IA laureate, and the laureate."""
    load_instruments()
    local = timezone.localtime(now or timezone.now())  # Brussels time
    opens = (local - datetime.timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
    closes = (local + datetime.timedelta(days=25)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    call, _created = Call.objects.update_or_create(
        code=f"tremplin-ia-{closes.year}-demo",
        defaults={
            "instrument": Instrument.objects.get(code="tremplin-ia"),
            "title": f"Tremplin IA {closes.year} (appel de démonstration)",
            "summary": "Appel fictif de démonstration : un projet pilote d'IA financé, avec une feuille de route vers la production.",
            "opens_at": opens,
            "closes_at": closes,
            "grace_minutes": 5,
            "is_published": True,
            "budget": Decimal("1500000"),
            "max_amount": Decimal("75000"),
            "laureate_exclusion_years": 2,
            **_call_translations(closes.year),
        },
    )
    # Updated in place: scores and documents already given keep their criterion and requirement.
    grid = zip(CRITERIA, CRITERIA_TRANSLATIONS, strict=True)
    for i, ((title, description, weight, threshold), texts) in enumerate(grid, start=1):
        Criterion.objects.update_or_create(
            call=call,
            order=i,
            defaults={"title": title, "description": description, "weight": Decimal(weight),
                      "threshold": Decimal(threshold),
                      **translation_values(("title", "description"), texts)},
        )  # fmt: skip
    for code, label, help_text in DOCUMENTS:
        translations = translation_values(("label", "help_text"), DOCUMENT_TRANSLATIONS[code])
        DocumentRequirement.objects.update_or_create(
            call=call, code=code, defaults={"label": label, "help_text": help_text, **translations}
        )
    # Its applicants must have their seat in the region, as the programme's calls require.
    call.seat_in = Concept.objects.filter(
        scheme__code="territory", notation=territory.current().region_concept
    ).first()
    call.save(update_fields=["seat_in"])
    call.eligible_types.set(
        Concept.objects.filter(scheme__code="org-type", notation__in=["sme", "startup"])
    )
    call.eligible_sizes.set(
        Concept.objects.filter(scheme__code="size", notation__in=["micro", "small", "medium"])
    )
    if not Call.objects.filter(code="start-ia-2020").exists():
        load_programme_history()
    if applicant is not None:
        organisation = (
            Organisation.objects.filter(
                source="demo", size_class__notation="small", municipality__ancestry__ancestor=call.seat_in,
                tags__concept__notation="sme", tags__concept__scheme__code="org-type",
            )
            .order_by("pk")
            .first()
        )  # fmt: skip
        if organisation is not None:
            Affiliation.objects.get_or_create(
                user=applicant, organisation=organisation, defaults={"role": "gérant·e"}
            )
    if expert is not None:
        _demo_coaching(expert, laureate)
    return call


def _demo_coaching(expert: User, laureate: User | None) -> None:
    """The expert account acts for one of the recognised companies, chosen by a Start IA
    laureate of 2024 whose coaching report is still to file; the laureate account acts for
    that laureate, and confirms delivery once the report is filed."""
    company = (
        ExpertCompany.objects.filter(status=ExpertCompany.Status.RECOGNISED).order_by("pk").first()
    )
    if company is None:
        return
    Affiliation.objects.get_or_create(user=expert, organisation=company.organisation)
    chosen = (
        Application.objects.filter(
            call__code="start-ia-2024", status="progress", coaching__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if chosen is None:
        return
    coaching = Coaching.objects.create(
        application=chosen, expert=company, chosen_at=chosen.call.closes_at
    )
    others = ExpertCompany.objects.filter(status=ExpertCompany.Status.RECOGNISED).exclude(
        pk=company.pk
    )
    coaching.shortlist.set([company, *others.order_by("pk")[:2]])
    if laureate is not None:
        Affiliation.objects.get_or_create(
            user=laureate, organisation=chosen.organisation, defaults={"role": "gérant·e"}
        )
