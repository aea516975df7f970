"""The programme's instruments as published (seeds 000-002 and FACTS.md), and the example
criteria grid that the demo's calls, past and open, share.

The instruments and the open call's grid are translated; the past calls keep their grid in
French only, so that the demo shows how untranslated content is marked."""

from territoria.calls.models import Instrument
from territoria.core.i18n import translation_values

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

# Each instrument's name and summary in Dutch, German and English; the programme's names
# stay as they are, in every language.
INSTRUMENT_TRANSLATIONS = {
    "start-ia": {
        "nl": ("Start IA", "Vijf dagen begeleiding door een erkend expertbedrijf om concrete toepassingen van AI te vinden en een actieplan op te stellen."),
        "de": ("Start IA", "Fünf Tage Begleitung durch ein anerkanntes Expertenunternehmen, um konkrete Anwendungen der KI zu finden und einen Aktionsplan zu erstellen."),
        "en": ("Start IA", "Five days of coaching by a recognised expert company to identify concrete uses of AI and draw up an action plan."),
    },
    "tremplin-ia": {
        "nl": ("Tremplin IA", "Een gefinancierd proefproject met artificiële intelligentie, met een stappenplan naar productie."),
        "de": ("Tremplin IA", "Ein gefördertes Pilotprojekt mit künstlicher Intelligenz und einem Fahrplan zum Produktivbetrieb."),
        "en": ("Tremplin IA", "A funded artificial intelligence pilot project, with a roadmap to production."),
    },
    "cap-ia": {
        "nl": ("Cap IA", "Een project met artificiële intelligentie tot op de markt brengen (gestart in maart 2021)."),
        "de": ("Cap IA", "Ein Projekt mit künstlicher Intelligenz bis zur Marktreife bringen (gestartet im März 2021)."),
        "en": ("Cap IA", "Taking an artificial intelligence project all the way to market (launched in March 2021)."),
    },
    "start-ia-public": {
        "nl": ("Start IA publieke sector", "De Start IA-begeleiding voor overheden en openbare instellingen."),
        "de": ("Start IA öffentlicher Sektor", "Die Start-IA-Begleitung für Behörden und öffentliche Einrichtungen."),
        "en": ("Start IA public sector", "Start IA coaching for public authorities and public bodies."),
    },
}  # fmt: skip

CRITERIA = [
    ("Pertinence du besoin", "Le problème est réel, précis et lié à l'activité.", "2", "2.5"),
    ("Qualité du projet pilote", "Objectifs, données disponibles, méthode, calendrier.", "3", "2.5"),
    ("Impact attendu", "Compétitivité, qualité des produits ou services, emploi.", "3", "2"),
    ("Feuille de route vers la production", "Ressources, compétences, suite après le pilote.", "2", "2"),
]  # fmt: skip


# The grid's titles and descriptions in Dutch, German and English, line for line.
CRITERIA_TRANSLATIONS = [
    {"nl": ("Relevantie van de behoefte", "Het probleem is reëel, precies en houdt verband met de activiteit."),
     "de": ("Relevanz des Bedarfs", "Das Problem ist real, genau umrissen und mit der Tätigkeit verbunden."),
     "en": ("Relevance of the need", "The problem is real, precise and tied to the business.")},
    {"nl": ("Kwaliteit van het proefproject", "Doelstellingen, beschikbare gegevens, methode, planning."),
     "de": ("Qualität des Pilotprojekts", "Ziele, verfügbare Daten, Methode, Zeitplan."),
     "en": ("Quality of the pilot project", "Objectives, available data, method, timetable.")},
    {"nl": ("Verwachte impact", "Concurrentievermogen, kwaliteit van producten of diensten, werkgelegenheid."),
     "de": ("Erwartete Wirkung", "Wettbewerbsfähigkeit, Qualität der Produkte oder Dienstleistungen, Beschäftigung."),
     "en": ("Expected impact", "Competitiveness, quality of products or services, jobs.")},
    {"nl": ("Stappenplan naar productie", "Middelen, competenties, vervolg na het proefproject."),
     "de": ("Fahrplan zum Produktivbetrieb", "Ressourcen, Kompetenzen, Fortsetzung nach dem Pilotprojekt."),
     "en": ("Roadmap to production", "Resources, skills, what follows the pilot.")},
]  # fmt: skip


def load_instruments() -> list[Instrument]:
    instruments = []
    for position, (code, prefix, name, summary) in enumerate(INSTRUMENTS):
        translations = translation_values(("name", "summary"), INSTRUMENT_TRANSLATIONS[code])
        instrument, _created = Instrument.objects.update_or_create(
            code=code,
            defaults={
                "prefix": prefix, "name": name, "summary": summary, "position": position,
                **translations,
            },
        )  # fmt: skip
        instruments.append(instrument)
    return instruments
