"""A fictitious KBO/BCE extract in the official layout, with the real file's proportions.

Per enterprise, on average (the 2025 full extract): 0.86 establishment units, 1.7
denominations, 1.5 addresses, 0.36 contacts and about 19 activity rows; four in ten
enterprises are natural persons (whose seat address is not published); a third of
enterprises are in Wallonia. Postcodes, municipalities, legal forms and NACE-BEL codes
are real (`kbo_data/`); names are made up.

Each enterprise is drawn from its own seeded generator, so an update extract can change
any of them without reading the full one: `generate(..., update_share=0.01)` writes the
update that follows the full extract of the same size and seed.
"""

import csv
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from territoria.ecosystem.kbo.layout import ALL_FILES, DATA_FILES, META
from territoria.ecosystem.kbo.nace import DATA

# The code.csv rows that are not read from Territoria's tables (the KBO's own wording).
FIXED_CODES = {
    "Status": {"AC": ("Actif", "Actief", "Aktiv")},
    "JuridicalSituation": {
        "000": ("Situation normale", "Normale toestand", "Normaler Zustand"),
    },
    "TypeOfEnterprise": {
        "1": ("Personne physique", "Natuurlijk persoon", ""),
        "2": ("Personne morale", "Rechtspersoon", ""),
    },
    "Language": {
        "0": ("Inconnu", "Onbekend", ""),
        "1": ("Français", "Frans", ""),
        "2": ("Néerlandais", "Nederlands", ""),
        "3": ("Allemand", "Duits", ""),
        "4": ("Anglais", "Engels", ""),
    },
    "TypeOfDenomination": {
        "001": ("Dénomination", "Maatschappelijke naam", ""),
        "002": ("Abréviation", "Afkorting", ""),
        "003": ("Dénomination commerciale", "Commerciële naam", ""),
    },
    "TypeOfAddress": {
        "REGO": ("Siège", "Zetel", ""),
        "BAET": ("Unité d'établissement", "Vestigingseenheid", ""),
    },
    "ContactType": {
        "EMAIL": ("Adresse e-mail", "E-mailadres", ""),
        "TEL": ("Numéro de téléphone", "Telefoonnummer", ""),
        "WEB": ("Adresse web", "Webadres", ""),
    },
    "EntityContact": {
        "ENT": ("Entreprise", "Onderneming", ""),
        "EST": ("Unité d'établissement", "Vestigingseenheid", ""),
    },
    "ActivityGroup": {
        "001": ("Activités TVA", "BTW-activiteiten", ""),
        "003": ("Activités ONSS", "RSZ-activiteiten", ""),
        "006": ("Activités ONSSAPL", "RSZPPO-activiteiten", ""),
    },
    "Classification": {
        "MAIN": ("Principale", "Hoofdactiviteit", ""),
        "SECO": ("Secondaire", "Nevenactiviteit", ""),
        "ANCI": ("Auxiliaire", "Hulpactiviteit", ""),
    },
}

LEGAL_FORM_WEIGHTS = {
    "610": 45, "015": 14, "014": 12, "017": 12, "706": 5, "612": 3, "011": 2,
    "026": 1, "030": 2, "124": 0.5, "418": 0.2, "008": 2, "125": 0.3,
}  # fmt: skip
REGION_WEIGHTS = {"wallonia": 1 / 3, "flanders": 0.55, "brussels": 0.12}
SYLLABLES = "ba be bo da de di fa fe ga go la le li lo ma me mi mo na ne no pa pe po ra re ri ro sa se si so ta te ti to va ve vi vo".split()
TRADES_FR = ["Ateliers", "Boulangerie", "Garage", "Bureau", "Services", "Conseil", "Transports", "Menuiserie", "Pharmacie", "Informatique", "Immobilière", "Constructions"]  # fmt: skip
TRADES_NL = ["Ateliers", "Bakkerij", "Garage", "Bureau", "Diensten", "Advies", "Transport", "Schrijnwerkerij", "Apotheek", "Informatica", "Immo", "Bouw"]  # fmt: skip


@dataclass(frozen=True)
class Place:
    postcode: str
    fr: str
    nl: str
    region: str


@cache
def places() -> dict[str, list[Place]]:
    found: dict[str, list[Place]] = {}
    with (DATA / "places_be.csv").open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            place = Place(
                row["postcode"], row["municipality_fr"], row["municipality_nl"], row["region"]
            )
            found.setdefault(place.region, []).append(place)
    return found


@cache
def nace_codes() -> dict[str, list[tuple[str, dict[str, str]]]]:
    """version → [(code, labels)] of every level, as code.csv lists them."""
    found: dict[str, list[tuple[str, dict[str, str]]]] = {}
    with (DATA / "nace_bel.csv").open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            labels = {"fr": row["label_fr"], "nl": row["label_nl"]}
            found.setdefault(row["version"], []).append((row["code"], labels))
    return found


@cache
def subclasses(version: str) -> list[str]:
    return [code for code, _labels in nace_codes()[version] if len(code) == 5]


@cache
def counterpart_2008() -> dict[str, str]:
    """A 2008 subclass for each 2025 one: the same code if it exists, else one of the same
    class, group or division (a stand-in for Statbel's correspondence table)."""
    old = subclasses("2008")
    by_prefix: dict[str, str] = {}
    for code in old:
        for length in (5, 4, 3, 2):
            by_prefix.setdefault(code[:length], code)
    found = {}
    for code in subclasses("2025"):
        found[code] = next(
            (by_prefix[code[:n]] for n in (5, 4, 3, 2) if code[:n] in by_prefix), old[0]
        )
    return found


@cache
def legal_forms() -> dict[str, tuple[str, str, str]]:
    with (DATA / "juridical_forms.csv").open(encoding="utf-8", newline="") as stream:
        return {
            r["code"]: (r["label_fr"], r["label_nl"], r["label_de"]) for r in csv.DictReader(stream)
        }


def check_digits(first_eight: int) -> str:
    return f"{97 - first_eight % 97:02d}"


def enterprise_number(index: int) -> str:
    first = 2_000_000 + index * 7  # 0200.000.0xx up to 1xxx, as the register numbers them
    digits = f"{first:08d}{check_digits(first)}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def unit_number(index: int, k: int) -> str:
    first = 20_000_000 + index * 4 + k
    digits = f"{first:08d}{check_digits(first)}"
    return f"{digits[0]}.{digits[1:4]}.{digits[4:7]}.{digits[7:]}"


def _date(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def enterprise(index: int, seed: int, revision: int = 0) -> dict[str, list[list[str]]]:
    """Every row of enterprise `index` (its `revision`-th version), by file."""
    rng = random.Random(f"{seed}/{index}/{revision}")
    number = enterprise_number(index)
    region = _pick(rng, REGION_WEIGHTS)
    place = rng.choice(places()[region])
    french = region == "wallonia" or (region == "brussels" and rng.random() < 0.8)
    natural = rng.random() < 0.42
    started = date(1960, 1, 1) + timedelta(days=int(rng.triangular(0, 23_700, 23_700)))
    form = "" if natural else _pick(rng, LEGAL_FORM_WEIGHTS)
    rows: dict[str, list[list[str]]] = {spec.name: [] for spec in DATA_FILES}
    rows["enterprise"].append(
        [number, "AC", "000", "1" if natural else "2", form, "", _date(started)]
    )
    stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    trade = rng.randrange(len(TRADES_FR))
    language = "1" if french else "2"
    if not natural:
        name = f"{(TRADES_FR if french else TRADES_NL)[trade]} {stem}"
        rows["denomination"].append([number, language, "001", name])
        if region == "brussels" and rng.random() < 0.4:
            rows["denomination"].append(
                [number, "2" if french else "1", "001", f"{TRADES_NL[trade]} {stem}"]
            )
        if rng.random() < 0.15:
            rows["denomination"].append([number, language, "002", stem.upper()[:6]])
        rows["address"].append(_address(rng, number, "REGO", place, french))
    if rng.random() < (0.45 if not natural else 0.55):
        rows["denomination"].append(
            [number, language, "003", f"{stem} {rng.choice(SYLLABLES)}".title()]
        )
    units = rng.choices((0, 1, 2, 3), weights=(50, 38, 8, 4))[0]
    if natural:
        units = max(units, 1)  # a natural person trades from at least one unit
    main = rng.choice(subclasses("2025"))
    codes = [main] + rng.sample(
        subclasses("2025"), rng.choices((0, 1, 2, 3, 4), (15, 25, 25, 20, 15))[0]
    )
    _activities(rng, rows, number, codes, 1.0)
    for k in range(units):
        unit = unit_number(index, k)
        rows["establishment"].append(
            [unit, _date(started + timedelta(days=rng.randint(0, 900))), number]
        )
        unit_place = place if rng.random() < 0.7 else rng.choice(places()[region])
        rows["address"].append(_address(rng, unit, "BAET", unit_place, french))
        if rng.random() < 0.6:
            rows["denomination"].append(
                [unit, language, "003", f"{stem} {unit_place.fr if french else unit_place.nl}"]
            )
        _activities(rng, rows, unit, codes[: rng.randint(1, len(codes))], 0.6)
    if rng.random() < 0.3:
        domain = f"{stem.lower()}.be"
        kind = rng.choice(("WEB", "EMAIL", "TEL"))
        value = {
            "WEB": f"www.{domain}",
            "EMAIL": f"info@{domain}",
            "TEL": f"0{rng.randint(10, 99)} {rng.randint(100000, 999999)}",
        }[kind]
        rows["contact"].append([number, "ENT", kind, value])
        if rng.random() < 0.2:
            rows["contact"].append(
                [number, "ENT", "TEL", f"04{rng.randint(70, 99)} {rng.randint(100000, 999999)}"]
            )
    if rng.random() < 0.004:
        digits = f"{index:09d}"
        branch = f"9.{digits[:3]}.{digits[3:6]}.{digits[6:]}"
        rows["branch"].append([branch, _date(started), number])
    return rows


def _address(rng: random.Random, entity: str, kind: str, place: Place, french: bool) -> list[str]:
    street = f"{rng.choice(('Rue', 'Avenue', 'Chaussée', 'Place'))} {rng.choice(SYLLABLES).title()}{rng.choice(SYLLABLES)}"
    straat = f"{rng.choice(SYLLABLES).title()}{rng.choice(SYLLABLES)}{rng.choice(('straat', 'laan', 'weg', 'plein'))}"
    box = str(rng.randint(1, 12)) if rng.random() < 0.15 else ""
    return [
        entity, kind, "", "", place.postcode, place.nl, place.fr,
        straat if not french else "", street if french else "",
        str(rng.randint(1, 250)), box, "", "",
    ]  # fmt: skip


def _activities(
    rng: random.Random,
    rows: dict[str, list[list[str]]],
    entity: str,
    codes: list[str],
    groups: float,
) -> None:
    """Each activity in NACE-BEL 2025 and 2008, under one to three activity groups."""
    old = counterpart_2008()
    for position, code in enumerate(codes):
        classification = "MAIN" if position == 0 else ("ANCI" if rng.random() < 0.05 else "SECO")
        chosen = ["001"] + [
            g for g in ("003", "006") if rng.random() < groups * (0.8 if g == "003" else 0.35)
        ]
        for group in chosen:
            rows["activity"].append([entity, group, "2025", code, classification])
            rows["activity"].append([entity, group, "2008", old[code], classification])


def code_rows() -> Iterator[list[str]]:
    for category, codes in FIXED_CODES.items():
        for code, labels in codes.items():
            for language, text in zip(("FR", "NL", "DE"), labels, strict=True):
                if text:
                    yield [category, code, language, text]
    for code, labels in legal_forms().items():
        for language, text in zip(("FR", "NL", "DE"), labels, strict=True):
            if text:
                yield ["JuridicalForm", code, language, text]
    for version in ("2008", "2025"):
        for code, texts in nace_codes()[version]:
            yield [f"Nace{version}", code, "FR", texts["fr"]]
            yield [f"Nace{version}", code, "NL", texts["nl"]]


class _Files:
    """The CSV files being written, each with its header."""

    def __init__(self, folder: Path, names: dict[str, tuple[str, ...]]) -> None:
        self.streams = {}
        self.writers = {}
        for name, columns in names.items():
            stream = (folder / name).open("w", encoding="utf-8", newline="")
            self.streams[name] = stream
            self.writers[name] = csv.writer(
                stream, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n"
            )
            self.writers[name].writerow(columns)

    def write(self, name: str, row: list[Any]) -> None:
        self.writers[name].writerow(row)

    def close(self) -> None:
        for stream in self.streams.values():
            stream.close()


def generate(
    out: Path,
    enterprises: int,
    seed: int = 2025,
    update_share: float = 0.0,
    after_update: float = 0.0,
    snapshot: date = date(2025, 10, 12),
    progress: Callable[[int], None] | None = None,
    as_zip: bool = False,
) -> Path:
    """Write a full extract (or, with `update_share`, the update that follows it) into
    folder `out`; with `as_zip`, the zip the FOD publishes instead. Returns what was written.

    With `after_update`, the full extract is the register after that update: importing it
    must give what importing the first full extract then the update gives."""
    out.mkdir(parents=True, exist_ok=True)
    update = update_share > 0
    names: dict[str, tuple[str, ...]] = {"meta.csv": META.columns, "code.csv": ALL_FILES[1].columns}
    for spec in DATA_FILES:
        if update:
            names[f"{spec.name}_delete.csv"] = (spec.key,)
            names[f"{spec.name}_insert.csv"] = spec.columns
        else:
            names[f"{spec.name}.csv"] = spec.columns
    files = _Files(out, names)
    # The update and the full extract after it carry the next month's number.
    number = 148 if update or after_update else 147
    for variable, value in (
        ("SnapshotDate", _date(snapshot + timedelta(days=1 if update else 0))),
        ("ExtractTimestamp", _date(snapshot) + " 06:00:00"),
        ("ExtractType", "update" if update else "full"),
        ("ExtractNumber", str(number)),
        ("Version", "1.0.0"),
    ):
        files.write("meta.csv", [variable, value])
    for row in code_rows():
        files.write("code.csv", row)
    if update:
        _write_update(files, enterprises, seed, update_share, progress)
    else:
        plan = UpdatePlan.of(enterprises, seed, after_update) if after_update else None
        indexes = range(enterprises) if plan is None else range(plan.fresh.stop)
        for index in indexes:
            revision = 0 if plan is None else plan.revision(index)
            if revision is None:
                continue
            rows = enterprise(index, seed, revision)
            for spec in DATA_FILES:
                for row in rows[spec.name]:
                    files.write(f"{spec.name}.csv", row)
            if progress and index % 10_000 == 0:
                progress(index)
    files.close()
    if progress:
        progress(enterprises)
    if not as_zip:
        return out
    kind = "Update" if update else "Full"
    archive = out / f"KboOpenData_{number:04d}_{snapshot:%Y_%m_%d}_{kind}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        for name in names:
            bundle.write(out / name, name)
            (out / name).unlink()
    return archive


@dataclass(frozen=True)
class UpdatePlan:
    """What the update that follows a full extract does: of `share` of the enterprises, a
    quarter struck off, two thirds changed, and new ones for the rest."""

    gone: frozenset[int]
    changed: frozenset[int]
    fresh: range

    @classmethod
    def of(cls, enterprises: int, seed: int, share: float) -> "UpdatePlan":
        rng = random.Random(f"{seed}/update")
        touched = max(1, int(enterprises * share))
        chosen = sorted(rng.sample(range(enterprises), min(enterprises, touched)))
        gone = chosen[: touched // 4]
        changed = chosen[touched // 4 :][: touched * 2 // 3]
        fresh = range(enterprises, enterprises + touched - len(gone) - len(changed))
        return cls(frozenset(gone), frozenset(changed), fresh)

    def revision(self, index: int) -> int | None:
        """The revision of enterprise `index` after the update; None if struck off."""
        if index in self.gone:
            return None
        return 1 if index in self.changed else 0


def _write_update(
    files: _Files, enterprises: int, seed: int, share: float, progress: Callable[[int], None] | None
) -> None:
    """The update, each touched enterprise as the register publishes it: its rows deleted,
    then inserted."""
    plan = UpdatePlan.of(enterprises, seed, share)
    gone, changed, fresh = plan.gone, plan.changed, plan.fresh
    for position, index in enumerate(sorted([*gone, *changed, *fresh])):
        if index < enterprises:
            before = enterprise(index, seed)
            for spec in DATA_FILES:
                keys = sorted({row[spec.columns.index(spec.key)] for row in before[spec.name]})
                for key in keys:
                    files.write(f"{spec.name}_delete.csv", [key])
        if index in gone:
            continue
        after = enterprise(index, seed, revision=1 if index < enterprises else 0)
        for spec in DATA_FILES:
            for row in after[spec.name]:
                files.write(f"{spec.name}_insert.csv", row)
        if progress and position % 1000 == 0:
            progress(position)
