"""The programme's instruments (as published) and an open call for the demo.

The instruments' descriptions follow the published texts (seeds 000-002 and
FACTS.md). The open call, its dates and budget are fictitious demo data, clearly
marked; its criteria grid is a plausible example for staff to edit.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.calls.models import Call, Criterion, DocumentRequirement, Instrument
from territoria.core.models import User
from territoria.ecosystem.models import Organisation

INSTRUMENTS = [
    ("start-ia", "SIA", "Start IA",
     "Un accompagnement de 5 jours par une entreprise experte reconnue pour identifier des usages concrets de l'IA et élaborer un plan d'action."),
    ("tremplin-ia", "TIA", "Tremplin IA",
     "Un projet pilote d'intelligence artificielle financé, avec une feuille de route vers la mise en production."),
    ("cap-ia", "CIA", "Cap IA",
     "Amener un projet d'intelligence artificielle jusqu'au marché (lancé en mars 2021)."),
    ("start-ia-public", "SIP", "Start IA secteur public",
     "L'accompagnement Start IA pour les pouvoirs publics et les organismes publics."),
]  # fmt: skip

CRITERIA = [
    ("Pertinence du besoin", "Le problème est réel, précis et lié à l'activité.", "2", "2.5"),
    ("Qualité du projet pilote", "Objectifs, données disponibles, méthode, calendrier.", "3", "2.5"),
    ("Impact attendu", "Compétitivité, qualité des produits ou services, emploi.", "3", "2"),
    ("Feuille de route vers la production", "Ressources, compétences, suite après le pilote.", "2", "2"),
]  # fmt: skip

DOCUMENTS = [
    ("project-plan", "Description du projet", "Le projet pilote, ses objectifs et son calendrier (PDF ou DOCX)."),
    ("budget", "Budget détaillé", "Le budget du projet et son financement (XLSX)."),
]  # fmt: skip


def load_instruments() -> list[Instrument]:
    instruments = []
    for position, (code, prefix, name, summary) in enumerate(INSTRUMENTS):
        instrument, _created = Instrument.objects.update_or_create(
            code=code,
            defaults={"prefix": prefix, "name": name, "summary": summary, "position": position},
        )
        instruments.append(instrument)
    return instruments


@transaction.atomic
def load_demo_calls(
    applicant: User | None = None,
    now: datetime.datetime | None = None,
    expert: User | None = None,
) -> Call:
    """The instruments, a Tremplin IA call open now, and the applicant acting for an SME."""
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
        },
    )
    # Updated in place: scores and documents already given keep their criterion and requirement.
    for i, (title, description, weight, threshold) in enumerate(CRITERIA, start=1):
        Criterion.objects.update_or_create(
            call=call,
            order=i,
            defaults={"title": title, "description": description, "weight": Decimal(weight),
                      "threshold": Decimal(threshold)},
        )  # fmt: skip
    for code, label, help_text in DOCUMENTS:
        DocumentRequirement.objects.update_or_create(
            call=call, code=code, defaults={"label": label, "help_text": help_text}
        )
    from territoria.taxonomy.models import Concept

    call.eligible_types.set(
        Concept.objects.filter(scheme__code="org-type", notation__in=["sme", "startup"])
    )
    call.eligible_sizes.set(
        Concept.objects.filter(scheme__code="size", notation__in=["micro", "small", "medium"])
    )
    if not Call.objects.filter(code="start-ia-2020").exists():
        from territoria.calls.history import load_programme_history

        load_programme_history()
    if applicant is not None:
        organisation = (
            Organisation.objects.filter(
                source="demo", size_class__notation="small", postcode__gte="4000", postcode__lt="8000",
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
        _demo_expert(expert)
    return call


def _demo_expert(expert: User) -> None:
    """The expert account acts for one of the recognised companies, chosen by a Start IA
    laureate of 2024 whose coaching report is still to file."""
    from territoria.calls.models import Application, Coaching, ExpertCompany

    company = (
        ExpertCompany.objects.filter(status=ExpertCompany.Status.RECOGNISED).order_by("pk").first()
    )
    if company is None:
        return
    Affiliation.objects.get_or_create(user=expert, organisation=company.organisation)
    laureate = (
        Application.objects.filter(
            call__code="start-ia-2024", status="progress", coaching__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if laureate is None:
        return
    coaching = Coaching.objects.create(
        application=laureate, expert=company, chosen_at=laureate.call.closes_at
    )
    others = ExpertCompany.objects.filter(status=ExpertCompany.Status.RECOGNISED).exclude(
        pk=company.pk
    )
    coaching.shortlist.set([company, *others.order_by("pk")[:2]])
