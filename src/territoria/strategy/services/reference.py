"""The region's published strategy, loaded from the file its territory profile names
(`strategy_file` in territory.toml, e.g. one of `strategy/reference/*.toml`).

The file holds the versions, ambitions, levers, programmes, emblematic actions,
indicators and every published figure with the passage of its source document.
Loading is idempotent: records are matched on their codes and updated.
"""

import datetime
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from territoria.core import territory
from territoria.core.i18n import TRANSLATED_LANGUAGES
from territoria.ecosystem.models import Organisation, Publication, Source
from territoria.strategy.models import (
    Action,
    Ambition,
    Indicator,
    Measurement,
    PolicyLever,
    Programme,
    Strategy,
)
from territoria.taxonomy import index
from territoria.taxonomy.models import Concept
from territoria.taxonomy.services import concepts_by_code, set_tags


class ReferenceError(ValueError):
    pass


@dataclass
class Loaded:
    strategies: int = 0
    programmes: int = 0
    actions: int = 0
    indicators: int = 0
    measurements: int = 0


def parse_partial_date(text: str, end: bool = False) -> tuple[datetime.date | None, str]:
    """`2022` → (1 January or 31 December 2022, "year"); `2022-03` → month; full dates → day."""
    text = text.strip()
    if not text:
        return None, Action.Precision.DAY
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 1:
        return datetime.date(parts[0], 12, 31) if end else datetime.date(parts[0], 1, 1), "year"
    if len(parts) == 2:
        year, month = parts
        if not end:
            return datetime.date(year, month, 1), "month"
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        return following - datetime.timedelta(days=1), "month"
    return datetime.date(*parts), "day"


def _translations(item: dict[str, Any], *fields: str) -> dict[str, str]:
    """The translations (`title_nl`…) the file gives for `fields`; those it leaves out keep
    what staff wrote in the back office."""
    names = [f"{field}_{code}" for field in fields for code in TRANSLATED_LANGUAGES]
    return {name: item[name] for name in names if name in item}


def _coarsest(*precisions: str) -> str:
    order: list[str] = [Action.Precision.DAY, Action.Precision.MONTH, Action.Precision.YEAR]
    return max(precisions, key=order.index)


class _Loader:
    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data = data
        self.where = where
        self.publications: dict[str, Publication] = {}
        self.concepts: dict[str, Concept] = {}
        self.loaded = Loaded()

    def fail(self, message: str) -> ReferenceError:
        return ReferenceError(f"{self.where}: {message}")

    def concept(self, code: str) -> Concept:
        if code not in self.concepts:
            found = concepts_by_code([code])
            if code not in found:
                raise self.fail(f'unknown concept "{code}" (load the reference schemes first)')
            self.concepts[code] = found[code]
        return self.concepts[code]

    def organisation(self, name: str) -> Organisation:
        organisation = Organisation.objects.filter(name=name).order_by("pk").first()
        if organisation is None:
            organisation = Organisation(name=name, source=Source.PUBLISHED)
            organisation.save()
        return organisation

    def run(self) -> Loaded:
        for source in self.data.get("source", []):
            self.publications[source["key"]] = self.publication(source)
        for strategy in self.data.get("strategy", []):
            self.strategy(strategy)
        return self.loaded

    def publication(self, source: dict[str, Any]) -> Publication:
        publication = Publication.objects.filter(title=source["title"]).first() or Publication()
        publication.title = source["title"]
        publication.summary = source.get("summary", "")
        publication.published_on = datetime.date.fromisoformat(source["published_on"])
        publication.url = source.get("url", "")
        publication.source = Source.PUBLISHED
        publication.publication_type = self.concept(
            f"publication-type:{source.get('publication_type', 'report')}"
        )
        publication.save()
        return publication

    def source(self, key: str) -> Publication:
        try:
            return self.publications[key]
        except KeyError:
            raise self.fail(f'unknown source "{key}"') from None

    def strategy(self, data: dict[str, Any]) -> None:
        if data.get("default"):
            Strategy.objects.filter(is_default=True).exclude(code=data["code"]).update(
                is_default=False
            )
        strategy, _created = Strategy.objects.update_or_create(
            code=data["code"],
            defaults={
                "name": data["name"],
                "version": data.get("version", ""),
                "start_year": data["start_year"],
                "end_year": data["end_year"],
                "status": data["status"],
                "level": data.get("level", Strategy.Level.AMBITION),
                "is_default": bool(data.get("default")),
                "description": data.get("description", ""),
                "source": self.source(data["source"]) if data.get("source") else None,
            },
        )
        self.loaded.strategies += 1
        ambitions = {}
        for item in data.get("ambition", []):
            ambitions[item["code"]], _ = Ambition.objects.update_or_create(
                strategy=strategy,
                code=item["code"],
                defaults={
                    "order": item["order"],
                    "title": item["title"],
                    "summary": item.get("summary", ""),
                    "description": item.get("description", ""),
                    "values": ", ".join(item.get("values", [])),
                    "url": item.get("url", ""),
                    **_translations(item, "title", "summary", "description"),
                },
            )

        def ambition(code: str) -> Ambition:
            if code not in ambitions:
                raise self.fail(f'{strategy.code}: unknown ambition "{code}"')
            return ambitions[code]

        for item in data.get("lever", []):
            PolicyLever.objects.update_or_create(
                ambition=ambition(item["ambition"]),
                code=item["code"],
                defaults={
                    "order": item["order"],
                    "title": item["title"],
                    "description": item.get("description", ""),
                },
            )
        programmes = {}
        for item in data.get("programme", []):
            record, _ = Programme.objects.update_or_create(
                strategy=strategy,
                code=item["code"],
                defaults={
                    "ambition": ambition(item["ambition"]),
                    "name": item["name"],
                    "description": item.get("description", ""),
                    "url": item.get("url", ""),
                    **_translations(item, "name", "description"),
                },
            )
            record.partners.set([self.organisation(n) for n in item.get("partners", [])])
            programmes[item["code"]] = record
            self.loaded.programmes += 1

        def programme(code: str) -> Programme:
            if code not in programmes:
                raise self.fail(f'{strategy.code}: unknown programme "{code}"')
            return programmes[code]

        actions = {}
        for item in data.get("action", []):
            actions[item["code"]] = self.action(programme(item["programme"]), item)
        for item in data.get("indicator", []):
            action = None
            if item.get("action"):
                if item["action"] not in actions:
                    raise self.fail(f'{strategy.code}: unknown action "{item["action"]}"')
                action = actions[item["action"]]
            self.indicator(programme(item["programme"]), action, item)

    def action(self, programme: Programme, item: dict[str, Any]) -> Action:
        start, start_precision = parse_partial_date(item.get("start", ""))
        end, end_precision = parse_partial_date(item.get("end", ""), end=True)
        action = Action.objects.filter(programme=programme, code=item["code"]).first() or Action(
            programme=programme, code=item["code"]
        )
        action.title = item["title"]
        for name, text in _translations(item, "title").items():
            setattr(action, name, text)
        action.description = item.get("description", "")
        action.action_type = self.concept(f"action-type:{item['type']}")
        action.start_on, action.end_on = start, end
        action.date_precision = _coarsest(start_precision, end_precision)
        action.status = item["status"]
        action.budget = Decimal(str(item["budget"])) if item.get("budget") else None
        action.recovery_plan = bool(item.get("recovery_plan"))
        action.save()
        action.partners.set([self.organisation(n) for n in item.get("partners", [])])
        codes = [f"audience:{code}" for code in item.get("audiences", [])]
        codes += list(item.get("concepts", []))
        codes.append(f"action-type:{item['type']}")
        set_tags(action, [self.concept(code) for code in codes])
        self.loaded.actions += 1
        return action

    def indicator(self, programme: Programme, action: Action | None, item: dict[str, Any]) -> None:
        target = item.get("target") or None
        indicator, _ = Indicator.objects.update_or_create(
            code=item["code"],
            defaults={
                "programme": programme,
                "action": action,
                "name": item["name"],
                **_translations(item, "name"),
                "unit": item["unit"],
                "unit_label": item.get("unit_label", ""),
                "definition": item.get("definition", ""),
                "aggregation": item.get("aggregation", Indicator.Aggregation.LAST),
                "is_key": bool(item.get("key")),
                "target_value": Decimal(str(target)) if target else None,
                "target_date": datetime.date.fromisoformat(item["target_date"]) if target else None,
                "target_direction": item.get("target_direction", Indicator.Direction.INCREASE),
            },
        )
        self.loaded.indicators += 1
        for m in item.get("measurement", []):
            note = m.get("note", "")
            if m.get("date_note"):
                note = f"{note}\n{m['date_note']}" if note else m["date_note"]
            measurement, _ = Measurement.objects.update_or_create(
                indicator=indicator,
                measured_on=datetime.date.fromisoformat(m["date"]),
                defaults={
                    "value": Decimal(str(m["value"])),
                    "source_publication": self.source(m["source"]),
                    "note": note,
                },
            )
            measurement.full_clean()
            self.loaded.measurements += 1


def load_strategy_reference(path: Path | None = None) -> Loaded | None:
    """Create or update the reference strategy versions, all or nothing: from `path`, by
    default the territory profile's strategy file; None when the profile names none."""
    path = path or territory.current().strategy_file()
    if path is None:
        return None
    with path.open("rb") as stream:
        data = tomllib.load(stream)
    with transaction.atomic():
        loaded = _Loader(data, path.name).run()
        index.bump()
    return loaded
