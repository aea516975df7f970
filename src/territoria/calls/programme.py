"""The programme's instruments as published (seeds 000-002 and FACTS.md), and the example
criteria grid that the demo's calls, past and open, share."""

from territoria.calls.models import Instrument

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


def load_instruments() -> list[Instrument]:
    instruments = []
    for position, (code, prefix, name, summary) in enumerate(INSTRUMENTS):
        instrument, _created = Instrument.objects.update_or_create(
            code=code,
            defaults={"prefix": prefix, "name": name, "summary": summary, "position": position},
        )
        instruments.append(instrument)
    return instruments
