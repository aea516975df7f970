"""A fictitious ecosystem for demonstrations, next to the few examples the agency published.

Everything fictitious is drawn from one `random.Random(seed)`, so a seed always gives
the same ecosystem. Fictitious records carry `Source.DEMO`, say so in their first
sentence, and use the reserved `.example` top-level domain for websites and e-mails.
The six DigitalWallonia4.ai projects and their press release are real: they carry
`Source.PUBLISHED` and hold only what that press release says.

The municipalities, their postcodes and the region's name come from the territory profile
(core/territory.py), so that any region gets a coherent demo; the published projects and
the examples of the strategy are added only in the region they come from.
"""

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.text import slugify

from territoria.core import territory
from territoria.core.i18n import translation_values
from territoria.ecosystem.demo.tables import (
    AI,
    AI_CONCEPTS,
    AS_OF,
    BATCH,
    BOARD_ROLE,
    CAUSES,
    CITY_WEIGHTS,
    CLUSTER_CHANCE,
    COMPANIES,
    COMPANY_DIVISIONS,
    COMPANY_PATTERNS,
    DESTINATIONS,
    DIVISION_WORDS,
    DW4AI_CHANCE,
    EPN_CHANCE,
    EVENT_TITLES,
    EVENT_TYPES,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    FOUNDED,
    GROUPS,
    KIND_DIVISIONS,
    KIND_PHRASES,
    LEGAL_FORMS,
    LOCAL_PATTERNS,
    LOCAL_WEIGHTS,
    MAGNET_SOURCES,
    MAGNET_TRANSLATIONS,
    MAGNETS,
    MISSION_CHANCE,
    MISSIONS,
    NAME_PATTERNS,
    NUMBER_SERIES,
    OFFICES,
    ORG_TYPES,
    ORGANISER_WEIGHTS,
    PREFIXES,
    PRESS_RELEASE_DATE,
    PRESS_RELEASE_SUMMARY,
    PRESS_RELEASE_TITLE,
    PUBLIC,
    PUBLIC_SERIES,
    PUBLIC_THEMES,
    PUBLICATION_TITLES,
    PUBLICATION_TYPES,
    PUBLISHED_PROJECTS,
    PUBLISHED_REGION,
    REGIONS,
    RELATED,
    RESERVED_NAMES,
    ROLE_GROUPS,
    ROLES,
    SECOND_DIVISION,
    SECTION_SENTENCES,
    SECTION_WORDS,
    SIZES,
    STREETS,
    SUFFIXES,
    SURNAMES,
    TECH_AFFINITY,
    TECH_COUNT_DIGITAL,
    TECH_COUNT_NON_PROFIT,
    TECH_COUNT_OTHER,
    TECH_SENTENCES,
    THEMES,
    TRADE_ENDINGS,
    TRADES,
)
from territoria.ecosystem.models import (
    Event,
    Membership,
    Organisation,
    Person,
    Publication,
    Source,
)
from territoria.ecosystem.validators import enterprise_number_from_digits
from territoria.taxonomy import index as tag_index
from territoria.taxonomy.models import MAX_DEPTH, Concept, Magnet, Tag


@dataclass
class DemoReport:
    """How many records `load_demo_ecosystem` created, and the slugs of its magnets."""

    organisations: int
    people: int
    events: int
    publications: int
    tags: int
    magnets: list[str]


@dataclass(eq=False)
class _Draft:
    """An organisation being generated, with the concepts it will be tagged with."""

    org: Organisation
    kind: str
    slug: str
    province: str
    size: str | None
    concepts: list[str] = field(default_factory=list)

    @property
    def weight(self) -> int:
        """How many people an organisation attracts, by size."""
        return {"large": 5, "medium": 3, "small": 2}.get(self.size or "", 1)


class _Concepts:
    """The reference concepts, looked up by code (`scheme:notation`)."""

    def __init__(self) -> None:
        profile = territory.current()
        self.region = profile.region_concept
        self.region_name = profile.name("fr")
        rows = Concept.objects.order_by("pk").values_list(
            "pk", "scheme__code", "notation", "label_fr", "parent__notation"
        )
        self.ids: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.parent: dict[str, str] = {}
        for pk, scheme, notation, label, parent in rows:
            self.ids[f"{scheme}:{notation}"] = pk
            self.labels[f"{scheme}:{notation}"] = label
            if scheme == "territory":
                self.parent[notation] = parent or ""
        needed = ("org-type:startup", "nace:C", "label:wing-fund", "size:micro",
                  f"territory:{self.region}", "event-type:mission",
                  "publication-type:press-release")  # fmt: skip
        missing = [code for code in needed if code not in self.ids]
        if missing:
            raise RuntimeError(f"Load the reference schemes first (missing {', '.join(missing)}).")
        parents = set(self.parent.values())
        # Municipalities are the leaves of the territory scheme below the region (under a
        # province, or directly under it); a scheme may also hold other regions' places.
        self.municipalities = [
            t for t, p in self.parent.items() if p and t not in parents and self.within(t)
        ]
        self.city_weights = [CITY_WEIGHTS.get(t, 1) for t in self.municipalities]
        # Each municipality's main postcode (its first in the profile's places).
        self.postcodes = {
            notation: place.postcodes[0]
            for notation, place in profile.places().items()
            if place.postcodes
        }
        self.areas = REGIONS.get(self.region) or tuple(
            (self.city(t), _of(self.city(t))) for t in self.municipalities
        )

    def within(self, notation: str) -> bool:
        """Whether the territory concept is the region or lies below it."""
        for _step in range(MAX_DEPTH + 1):
            if notation == self.region:
                return True
            notation = self.parent.get(notation, "")
        return False

    def city(self, notation: str) -> str:
        return self.labels[f"territory:{notation}"]

    def tag_ids(self, codes: Iterable[str]) -> list[int]:
        return list(dict.fromkeys(self.ids[code] for code in codes))


_K = TypeVar("_K")
_M = TypeVar("_M", bound=models.Model)


def _pick(rng: random.Random, table: Mapping[_K, float]) -> _K:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _lower_first(label: str) -> str:
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def _domain_label(name: str) -> str:
    """The name as a DNS label (at most 63 characters), for `www.<label>.example`."""
    label = slugify(name)
    return label if len(label) <= 63 else label[:64].rsplit("-", 1)[0]


def _of(place: str) -> str:
    """French "de" before a place name: de Namur, d'Ath, du Rœulx, des Bons Villers."""
    if place.startswith("Le "):
        return f"du {place[3:]}"
    if place.startswith("Les "):
        return f"des {place[4:]}"
    return f"d'{place}" if place[0] in "AEIOUÉÈ" else f"de {place}"


class _Builder:
    """Draws the fictitious ecosystem from one random generator."""

    def __init__(self, rng: random.Random, concepts: _Concepts, taken_numbers: set[str]) -> None:
        self.rng = rng
        self.concepts = concepts
        self.taken_numbers = taken_numbers
        self.slugs: set[str] = {_domain_label(name) for name in RESERVED_NAMES}

    def organisation(self) -> _Draft:
        """One fictitious organisation, its tags and description, not saved yet."""
        rng, concepts = self.rng, self.concepts
        kind = _pick(rng, ORG_TYPES)
        divisions = self.divisions(kind)
        name, legal_form, city = self.name(kind, divisions)
        size = _pick(rng, SIZES[kind]) if kind in SIZES else None
        founded = self.founded(kind)
        technologies = self.technologies(kind, divisions)
        labels = self.labels(kind, divisions, technologies, founded)
        slug = _domain_label(name.removesuffix(f" {legal_form}"))
        org = Organisation(
            name=name, legal_form=legal_form, source=Source.DEMO, country="BE",
            enterprise_number=self.enterprise_number(kind, founded), founded_on=founded,
            municipality_id=concepts.ids[f"territory:{city}"], city=concepts.city(city),
            postcode=concepts.postcodes.get(city, ""),
            size_class_id=concepts.ids[f"size:{size}"] if size else None,
            street="" if kind == "local-authority" else f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            website=f"https://www.{slug}.example" if rng.random() < 0.9 else "",
            is_active=kind in PUBLIC or rng.random() >= 0.035,
        )  # fmt: skip
        org.description_fr = self.description(kind, org, divisions, technologies)
        org.derive()
        codes = [f"org-type:{kind}", *(f"nace:{d}" for d in divisions), *technologies, *labels]
        codes += [f"territory:{city}"] + ([f"size:{size}"] if size else [])
        return _Draft(org, kind, slug, concepts.parent[city], size, codes)

    def founded(self, kind: str) -> date | None:
        if kind not in FOUNDED:
            return None  # local authorities: their creation date is not for us to invent
        start, end = FOUNDED[kind]
        year = end - int((end - start + 1) * self.rng.random() ** 1.4)  # recent years weigh more
        return _day(self.rng, date(year, 1, 1), date(year, 12, 31))

    def enterprise_number(self, kind: str, founded: date | None) -> str:
        """A valid, unused KBO/BCE number in a series roughly matching the founding year."""
        if kind in PUBLIC or founded is None:
            low, high = PUBLIC_SERIES
        else:
            low, high = next((lo, hi) for until, lo, hi in NUMBER_SERIES if founded.year <= until)
        while True:
            number = enterprise_number_from_digits(self.rng.randint(low, high))
            if number not in self.taken_numbers:
                self.taken_numbers.add(number)
                return number

    def divisions(self, kind: str) -> list[str]:
        """One or two NACE divisions; the second one neighbours the first."""
        rng = self.rng
        if kind in KIND_DIVISIONS:
            first = _pick(rng, KIND_DIVISIONS[kind])
        else:
            column = 1 if kind == "startup" else 0
            first = _pick(rng, {d: w[column] for d, w in COMPANY_DIVISIONS.items() if w[column]})
        chance = {"research-centre": 0.6, "university": 0.7, "cluster": 0.5}.get(kind, 0.3)
        if kind == "local-authority" or rng.random() >= chance:
            return [first]
        options = [d for d in SECOND_DIVISION.get(kind, RELATED[first[0]]) if d != first]
        return [first, rng.choice(options)] if options else [first]

    def technologies(self, kind: str, divisions: list[str]) -> list[str]:
        """0–4 technology concepts, more for digital firms, start-ups and research."""
        rng = self.rng
        sections = [d[0] for d in divisions]
        digital = kind in ("startup", "research-centre") or "K" in sections or "J" in sections
        counts = TECH_COUNT_DIGITAL if digital else TECH_COUNT_OTHER
        if kind in (*PUBLIC, "non-profit", "cluster", "investor"):
            counts = TECH_COUNT_NON_PROFIT
        count = int(_pick(rng, counts))
        affinity = TECH_AFFINITY["N" if kind == "research-centre" else "*"]
        affinity = TECH_AFFINITY.get(sections[0], affinity)
        families: list[str] = []
        while len(families) < count:
            family = _pick(rng, affinity)
            if family not in families:
                families.append(family)
        return [f"technology:{_pick(rng, AI_CONCEPTS) if f == 'ai' else f}" for f in families]

    def labels(
        self, kind: str, divisions: list[str], technologies: list[str], founded: date | None
    ) -> list[str]:
        """Sparse labels, correlated with each other, the sector and the technologies."""
        chance = self.rng.random
        maker = kind in COMPANIES and divisions[0][0] == "C"  # a manufacturer first and foremost
        digital = any(d[0] in "JK" for d in divisions)
        notations = {t.partition(":")[2] for t in technologies}
        ai = bool(notations & set(AI))
        industrial = ai or bool(notations & {"iot", "robotics", "3d-printing", "data"})
        made_different = fof = False
        if maker:
            base = {"sme": 0.11, "large-company": 0.3, "startup": 0.06}[kind]
            made_different = chance() < base * (1.5 if industrial else 1)
            scale = 1.5 if kind == "large-company" else 1
            fof = chance() < (0.5 if made_different else 0.04) * scale
        pole = 0.35 if made_different or fof else max(CLUSTER_CHANCE.get(kind, 0), 0.15 * maker)
        wing = kind == "startup" and founded is not None and founded.year >= 2015
        wing = wing and chance() < 0.15 + 0.3 * ai + 0.1 * digital
        found = {
            "label:made-different": made_different, "label:factory-of-the-future": fof,
            "label:competitiveness-cluster": chance() < pole, "label:wing-fund": wing,
            "label:dw4ai-laureate": kind in DW4AI_CHANCE
            and chance() < DW4AI_CHANCE.get(kind, 0) + 0.35 * ai + 0.2 * wing,
            "label:international-mission": kind in MISSION_CHANCE
            and chance() < MISSION_CHANCE.get(kind, 0) + 0.4 * wing + 0.05 * (digital + ai),
            "label:ai-expert": kind in COMPANIES and ai and digital and chance() < 0.2,
            "label:digital-champion": kind in (*COMPANIES, "non-profit") and chance() < 0.01,
            "label:digital-public-space": chance() < EPN_CHANCE.get(kind, 0),
        }  # fmt: skip
        return [code for code, present in found.items() if present]

    def name(self, kind: str, divisions: list[str]) -> tuple[str, str, str]:
        """A name not used yet, the legal form and the municipality."""
        rng, concepts = self.rng, self.concepts
        for _attempt in range(200):
            city = rng.choices(concepts.municipalities, weights=concepts.city_weights)[0]
            if kind == "local-authority":
                pattern, legal_form = rng.choices(LOCAL_PATTERNS, weights=LOCAL_WEIGHTS)[0]
                if city == "sambreville":
                    continue  # a real, published organisation
            else:
                legal_form = _pick(rng, LEGAL_FORMS[kind])
                pattern = self.name_pattern(kind, divisions[0])
            words = DIVISION_WORDS.get(divisions[0], SECTION_WORDS.get(divisions[0][0], ("",)))
            region, of_region = rng.choice(concepts.areas)
            surname, other = rng.sample(SURNAMES, 2)
            name = pattern.format(
                brand=rng.choice(PREFIXES) + rng.choice(SUFFIXES), word=rng.choice(words),
                region=region, of_region=of_region, of_city=_of(concepts.city(city)),
                trade=rng.choice(TRADES.get(divisions[0], ("",))), legal=legal_form,
                surname=surname, other=other,
                ending=_pick(rng, TRADE_ENDINGS), first=rng.choice(FIRST_NAMES_M + FIRST_NAMES_F),
                office=rng.choice(OFFICES), theme=rng.choice(PUBLIC_THEMES),
                group=rng.choice(GROUPS), cause=rng.choice(CAUSES),
            )  # fmt: skip
            if kind == "non-profit" and name.startswith("Fondation "):
                legal_form = "fondation privée"
            key = _domain_label(name.removesuffix(f" {legal_form}"))
            if key not in self.slugs:
                self.slugs.add(key)
                return name, legal_form, city
        raise RuntimeError(f"no free name left for {kind}")

    def name_pattern(self, kind: str, division: str) -> str:
        """A name template: by kind, and for companies weighted (trade names need a trade)."""
        if kind in NAME_PATTERNS:
            return self.rng.choice(NAME_PATTERNS[kind])
        patterns = dict(COMPANY_PATTERNS[kind])
        if division not in TRADES:
            patterns.pop("{trade} {surname}{ending}", None)
        return _pick(self.rng, patterns)

    def description(
        self, kind: str, org: Organisation, divisions: list[str], technologies: list[str]
    ) -> str:
        """Two or three French sentences, the first saying the record is fictitious."""
        phrase = KIND_PHRASES[kind]
        settled = "établie" if phrase.startswith("une") else "établi"
        sector = self.concepts.labels[f"nace:{divisions[0]}"]
        name = org.name.removesuffix(f" {org.legal_form}")
        sentences = [
            "Organisation fictive de démonstration.",
            f"{name} est {phrase} {settled} à {org.city} ; son activité principale relève du "
            f"secteur « {sector} ».",
        ]
        if technologies:
            labels = ", ".join(_lower_first(self.concepts.labels[t]) for t in technologies)
            sentences.append(self.rng.choice(TECH_SENTENCES).format(labels))
        elif divisions[0][0] in SECTION_SENTENCES:
            sentences.append(SECTION_SENTENCES[divisions[0][0]])
        return " ".join(sentences)

    # Events, publications and people

    def event(
        self, drafts: Sequence[_Draft], weights: list[float], near: dict[str, list[_Draft]]
    ) -> tuple[Event, list[_Draft], list[str]]:
        """A fictitious local event (conference, workshop…) and its participants."""
        rng = self.rng
        kind = _pick(rng, EVENT_TYPES)
        theme, technology = rng.choice(THEMES)
        organiser = rng.choices(drafts, weights=weights)[0]
        place = organiser.org.city
        if rng.random() < 0.2:
            place = self.concepts.city(rng.choice(self.concepts.municipalities))
        starts = _day(rng, date(2023, 1, 1), date(2026, 12, 31))
        title = rng.choice(EVENT_TITLES[kind]).format(theme=theme, place=place, year=starts.year)
        wanted = rng.randint(3, 25)
        neighbours = near[organiser.province]
        pool = rng.sample(neighbours, min(wanted // 2 + 1, len(neighbours)))
        pool += rng.sample(drafts, min(wanted, len(drafts)))
        participants = [d for d in dict.fromkeys(pool) if d is not organiser][:wanted]
        event = Event(
            title=title, event_type_id=self.concepts.ids[f"event-type:{kind}"], source=Source.DEMO,
            starts_on=starts, place="En ligne" if kind == "webinar" else place, organiser=organiser.org,
            ends_on=starts + timedelta(days=rng.randint(1, 2)) if kind in ("trade-fair", "hackathon") else None,
            description=f"Événement fictif de démonstration. Thème : {theme}. Organisé par "
            f"{organiser.org.name}, avec {len(participants)} organisations participantes.",
        )  # fmt: skip
        codes = [f"event-type:{kind}"]
        if technology and rng.random() < 0.8:
            codes.append(f"technology:{technology}")
        return event, participants, codes

    def missions(
        self, drafts: Sequence[_Draft], count: int
    ) -> list[tuple[Event, list[_Draft], list[str]]]:
        """International missions; every organisation labelled with one takes part in one."""
        rng = self.rng
        pool = [d for d in drafts if "label:international-mission" in d.concepts]
        organisers = [d for d in drafts if d.kind == "cluster"] or list(drafts)
        if len(pool) < 3 or not count:
            return []
        groups: list[list[_Draft]] = [[] for _ in range(count)]
        for index, draft in enumerate(rng.sample(pool, len(pool))):
            groups[index % count].append(draft)
        destinations = rng.sample(DESTINATIONS, len(DESTINATIONS))
        missions = []
        for index, group in enumerate(groups):
            wanted = rng.randint(3, 25)
            group = list(dict.fromkeys(group + rng.sample(pool, min(wanted, len(pool)))))
            group = group[: max(wanted, -(-len(pool) // count))]
            where, city = destinations[index % len(destinations)]
            template, technology = rng.choice(MISSIONS)
            starts = _day(rng, date(2023, 1, 15), date(2026, 11, 30))
            organiser = rng.choice(organisers)
            event = Event(
                title=template.format(where), event_type_id=self.concepts.ids["event-type:mission"],
                starts_on=starts, ends_on=starts + timedelta(days=rng.randint(3, 7)), place=city,
                organiser=organiser.org, source=Source.DEMO,
                description=f"Événement fictif de démonstration. Mission économique {where}, "
                f"organisée par {organiser.org.name}, avec {len(group)} organisations de la région.",
            )  # fmt: skip
            codes = ["event-type:mission"] + ([f"technology:{technology}"] if technology else [])
            missions.append((event, group, codes))
        return missions

    def publication(
        self, drafts: Sequence[_Draft], weights: dict[str, list[float]]
    ) -> tuple[Publication, list[_Draft], list[str]]:
        """A fictitious publication about or by a few organisations."""
        rng = self.rng
        kind = _pick(rng, PUBLICATION_TYPES)
        theme, technology = rng.choice(THEMES)
        about = "company" if kind in ("news", "press-release", "case-study") else "author"
        subject = rng.choices(drafts, weights=weights[about])[0]
        published = _day(rng, date(2022, 1, 1), AS_OF)
        name = subject.org.name.removesuffix(f" {subject.org.legal_form}")
        title = rng.choice(PUBLICATION_TITLES[kind]).format(
            org=name,
            region=self.concepts.region_name,
            city=subject.org.city,
            theme=theme,
            year=published.year,
            end=published.year + 3,
        )
        related = list(dict.fromkeys([subject, *rng.sample(drafts, rng.randint(0, 5))]))
        names = ", ".join(d.org.name for d in related)
        publication = Publication(
            title=title, publication_type_id=self.concepts.ids[f"publication-type:{kind}"],
            published_on=published, source=Source.DEMO,
            summary=f"Publication fictive de démonstration. {self.concepts.labels[f'publication-type:{kind}']}"
            f" sur le thème « {theme} ». Organisations citées : {names}.",
        )  # fmt: skip
        codes = [f"publication-type:{kind}"]
        if technology and rng.random() < 0.8:
            codes.append(f"technology:{technology}")
        return publication, related, codes

    def person(
        self, drafts: Sequence[_Draft], weights: list[float], networks: Sequence[_Draft]
    ) -> tuple[Person, list[Membership]]:
        """A fictitious person with one role, sometimes a second one in a network."""
        rng = self.rng
        female = rng.random() < 0.5
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(SURNAMES)
        main = rng.choices(drafts, weights=weights)[0]
        consent = rng.random() < 1 / 3
        person = Person(
            first_name=first, last_name=last, public_consent=consent,
            email=f"{slugify(first)}.{slugify(last)}@{main.slug}.example",
            consent_recorded_on=_day(rng, date(2023, 1, 1), AS_OF) if consent else None,
        )  # fmt: skip
        roles = [(main, rng.choice(ROLES[ROLE_GROUPS.get(main.kind, "company")])[female])]
        network = rng.choice(networks) if networks and rng.random() < 0.15 else main
        if network is not main:
            roles.append((network, BOARD_ROLE[female]))
        memberships = []
        for draft, role in roles:
            since = max(draft.org.founded_on or date(2000, 1, 1), date(2000, 1, 1))
            started = _day(rng, since, AS_OF)
            memberships.append(Membership(organisation=draft.org, role=role, started_on=started))
        return person, memberships


def _tags(content_type: ContentType, pk: int, concept_ids: Iterable[int]) -> list[Tag]:
    provenance = Tag.Provenance.IMPORTED
    return [
        Tag(content_type=content_type, object_id=pk, concept_id=concept, provenance=provenance)
        for concept in concept_ids
    ]


def _save_tagged(
    model: type[_M], concepts: _Concepts, records: Sequence[tuple[_M, list[str]]]
) -> int:
    """Bulk-create the records, then their tags (concept fields included); returns tag count."""
    model._default_manager.bulk_create([record for record, _codes in records], batch_size=BATCH)
    content_type = ContentType.objects.get_for_model(model)
    tags = [
        tag
        for record, codes in records
        for tag in _tags(content_type, record.pk, concepts.tag_ids(codes))
    ]
    Tag.objects.bulk_create(tags, batch_size=BATCH)
    return len(tags)


def _save_links(
    through: type[models.Model], owner: str, rows: list[tuple[models.Model, list[_Draft]]]
) -> None:
    """Bulk-create the many-to-many rows linking each record to organisations."""
    links = [
        through(**{f"{owner}_id": record.pk, "organisation_id": draft.org.pk})
        for record, drafts in rows
        for draft in drafts
    ]
    through._default_manager.bulk_create(links, batch_size=BATCH)


def _published(concepts: _Concepts) -> tuple[list[Organisation], int]:
    """The six DigitalWallonia4.ai projects and their press release, as published in seed 000."""
    records = []
    for name, division, city, summary in PUBLISHED_PROJECTS:
        org = Organisation(
            name=name, source=Source.PUBLISHED, enterprise_number=None,
            description_fr=f"Projet DigitalWallonia4.ai : {summary}",
        )  # fmt: skip
        codes = [f"nace:{division}", "technology:ai", "label:dw4ai-laureate"]
        if city:  # only the commune's place is known
            org.municipality_id, org.city = concepts.ids[f"territory:{city}"], concepts.city(city)
            org.legal_form = "commune"
            codes += ["org-type:local-authority", f"territory:{city}"]
        org.derive()
        records.append((org, codes))
    tags = _save_tagged(Organisation, concepts, records)
    # The strategy's reference data may hold the same press release already (as a source).
    release = Publication.objects.filter(title=PRESS_RELEASE_TITLE).first()
    if release is None:
        release = Publication(
            title=PRESS_RELEASE_TITLE, summary=PRESS_RELEASE_SUMMARY, published_on=PRESS_RELEASE_DATE,
            publication_type_id=concepts.ids["publication-type:press-release"], source=Source.PUBLISHED,
        )  # fmt: skip
        tags += _save_tagged(Publication, concepts, [(release, ["publication-type:press-release",
                                                                "technology:ai"])])  # fmt: skip
    organisations = [org for org, _codes in records]
    release.organisations.set(organisations)
    return organisations, tags


def _events(builder: _Builder, drafts: list[_Draft], count: int, missions: int) -> tuple[int, int]:
    """Local events and international missions; returns (events, tags)."""
    near: dict[str, list[_Draft]] = {}
    for draft in drafts:
        near.setdefault(draft.province, []).append(draft)
    weights = [ORGANISER_WEIGHTS.get(d.kind, 0.3) for d in drafts]
    rows = builder.missions(drafts, missions)
    rows += [builder.event(drafts, weights, near) for _ in range(count - len(rows))]
    tags = _save_tagged(Event, builder.concepts, [(event, codes) for event, _p, codes in rows])
    _save_links(Event.participants.through, "event", [(event, p) for event, p, _c in rows])
    return len(rows), tags


def _publications(builder: _Builder, drafts: list[_Draft], count: int) -> tuple[int, int]:
    """Fictitious publications; returns (publications, tags)."""
    weights = {
        "company": [3.0 if d.kind in COMPANIES else 0.5 for d in drafts],
        "author": [ORGANISER_WEIGHTS.get(d.kind, 0.1) for d in drafts],
    }
    rows = [builder.publication(drafts, weights) for _ in range(count)]
    tags = _save_tagged(Publication, builder.concepts, [(p, codes) for p, _o, codes in rows])
    _save_links(Publication.organisations.through, "publication", [(p, o) for p, o, _c in rows])
    return len(rows), tags


def _people(builder: _Builder, drafts: list[_Draft], count: int) -> int:
    """Fictitious people and their roles; returns how many people."""
    weights = [0.2 if d.kind == "self-employed" else d.weight for d in drafts]
    networks = [d for d in drafts if d.kind in ("cluster", "non-profit", "incubator")]
    rows = [builder.person(drafts, weights, networks) for _ in range(count)]
    Person.objects.bulk_create([person for person, _m in rows], batch_size=BATCH)
    for person, memberships in rows:
        for membership in memberships:
            membership.person = person
    Membership.objects.bulk_create([m for _p, ms in rows for m in ms], batch_size=BATCH)
    return len(rows)


def _magnets(region: str) -> list[str]:
    """The two "smart magnets" a regional strategy gives as examples (seed 003); where they
    come from is said in the region whose strategy it is."""
    for slug, name, description, expression in MAGNETS:
        texts = dict(MAGNET_TRANSLATIONS[slug])
        if region == PUBLISHED_REGION:
            source = MAGNET_SOURCES[slug]
            description = f"{description} {source['fr']}"
            texts = {code: (n, f"{d} {source[code]}") for code, (n, d) in texts.items()}
        translations = translation_values(("name", "description"), texts)
        Magnet.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "expression": expression,
                      "container": "organisation", "is_public": True, **translations},
        )  # fmt: skip
    return [slug for slug, *_rest in MAGNETS]


def load_demo_ecosystem(
    *,
    organisations: int = 3000,
    seed: int = 20251123,
    progress: Callable[[int, int], None] | None = None,
) -> DemoReport:
    """Fictitious ecosystem for the demo (reference schemes must already be loaded).

    Adds `organisations` fictitious organisations with people, events and publications in
    proportion, the six published DigitalWallonia4.ai projects and their press release (in
    the region they come from), and the two example magnets. Refuses to run twice on the same database.
    """
    scale = organisations / 3000
    with transaction.atomic():
        if Organisation.objects.filter(source=Source.DEMO).exists():
            raise RuntimeError("The demo ecosystem is already loaded.")
        concepts = _Concepts()
        numbers = Organisation.objects.exclude(enterprise_number=None)
        # No None left: the query excludes it.
        taken = cast(set[str], set(numbers.values_list("enterprise_number", flat=True)))
        builder = _Builder(random.Random(seed), concepts, taken)
        drafts = []
        for index in range(organisations):
            drafts.append(builder.organisation())
            if progress and index % 100 == 0:
                progress(index, organisations)
        tags = _save_tagged(Organisation, concepts, [(d.org, d.concepts) for d in drafts])
        if progress:
            progress(organisations, organisations)
        published, published_tags = (
            _published(concepts) if concepts.region == PUBLISHED_REGION else ([], 0)
        )
        events, event_tags = _events(builder, drafts, round(120 * scale), round(25 * scale))
        publications, publication_tags = _publications(builder, drafts, round(80 * scale))
        people = _people(builder, drafts, round(500 * scale))
        magnets = _magnets(concepts.region)
        # bulk_create sends no signals: tell the magnet engine that tags changed.
        tag_index.bump()
    return DemoReport(
        organisations=len(drafts) + len(published), people=people, events=events,
        publications=publications + bool(published), tags=tags + published_tags + event_tags + publication_tags,
        magnets=magnets,
    )  # fmt: skip
