"""NACE-BEL 2008 and 2025 as concepts of the `nace` scheme, from the extract's code.csv.

The scheme already holds NACE-BEL 2025's sections and divisions (the reference file
writes a division with its section letter: `K62`). The import adds the rest of the tree,
in the notation Statbel writes: group `62.1`, class `62.10`, subclass `62.100`. NACE-BEL
2008 hangs under its own top concept `2008`, every notation prefixed: `2008-J`,
`2008-J62`, `2008-62.0`, `2008-62.01`, `2008-62.010`, so that the two versions never mix
(the same code may mean two things) and a magnet names the version it means.

code.csv writes codes without dots (`62100`) and gives NACE labels in French and Dutch
only; the German and English ones come from the table Territoria ships
(`kbo_data/nace_bel.csv`, Statbel's), where code.csv has none.
"""

import csv
from functools import cache
from pathlib import Path

from territoria.ecosystem.kbo.layout import KEPT_NACE_VERSIONS
from territoria.ecosystem.kbo.reader import Codes

DATA = Path(__file__).resolve().parent.parent / "kbo_data"
LANGUAGES = ("fr", "nl", "de", "en")
ROOT_2008 = "2008"
ROOT_LABELS = {
    "fr": "NACE-BEL 2008",
    "nl": "NACE-BEL 2008",
    "de": "NACE-BEL 2008",
    "en": "NACE-BEL 2008",
}

# The divisions of each section (Statbel; the link is not in code.csv).
_SECTIONS = {
    "2008": "A01-03 B05-09 C10-33 D35 E36-39 F41-43 G45-47 H49-53 I55-56 J58-63 K64-66 "
    "L68 M69-75 N77-82 O84 P85 Q86-88 R90-93 S94-96 T97-98 U99",
    "2025": "A01-03 B05-09 C10-33 D35 E36-39 F41-43 G46-47 H49-53 I55-56 J58-60 K61-63 "
    "L64-66 M68 N69-75 O77-82 P84 Q85 R86-88 S90-93 T94-96 U97-98 V99",
}


@cache
def section_of_division(version: str) -> dict[str, str]:
    found = {}
    for part in _SECTIONS[version].split():
        letter, span = part[0], part[1:]
        low, _sep, high = span.partition("-")
        for division in range(int(low), int(high or low) + 1):
            found[f"{division:02d}"] = letter
    return found


@cache
def notation(version: str, code: str) -> str | None:
    """The concept notation of a NACE-BEL code as code.csv writes it (`62100`); None for a
    code the tree does not hold (a national 7-digit code maps to its subclass)."""
    code = code.strip().replace(".", "")
    if len(code) == 1 and code.isalpha():
        found = code.upper()
    elif not code.isdigit() or len(code) < 2:
        return None
    else:
        if len(code) > 5:
            code = code[:5]
        section = section_of_division(version).get(code[:2])
        if section is None:
            return None
        found = section + code if len(code) == 2 else f"{code[:2]}.{code[2:]}"
    return found if version == "2025" else f"{ROOT_2008}-{found}"


def parent_notation(version: str, code: str) -> str:
    code = code.strip()
    if len(code) == 1:
        return "" if version == "2025" else ROOT_2008
    if len(code) == 2:
        return notation(version, section_of_division(version)[code]) or ""
    return notation(version, code[:-1]) or ""


@cache
def shipped_labels() -> dict[tuple[str, str], dict[str, str]]:
    """(version, code) → labels by language, from Statbel's tables that Territoria ships."""
    with (DATA / "nace_bel.csv").open(encoding="utf-8", newline="") as stream:
        return {
            (row["version"], row["code"]): {lang: row[f"label_{lang}"] for lang in LANGUAGES}
            for row in csv.DictReader(stream)
        }


def concept_rows(codes: Codes) -> list[tuple[str, str, dict[str, str]]]:
    """(notation, parent notation, labels) for every NACE code of code.csv, parents first."""
    found: list[tuple[str, str, dict[str, str]]] = [(ROOT_2008, "", dict(ROOT_LABELS))]
    shipped = shipped_labels()
    for version in KEPT_NACE_VERSIONS:
        listed = codes.get(f"Nace{version}", {})
        # Parents before children: sections, then by length of code.
        for code in sorted(listed, key=lambda c: (not c.isalpha(), len(c), c)):
            if len(code) > 5:
                continue
            own = notation(version, code)
            if own is None:
                continue
            labels = {lang: listed[code].get(lang, "") for lang in LANGUAGES}
            for lang, text in shipped.get((version, code), {}).items():
                labels[lang] = labels[lang] or text
            found.append((own, parent_notation(version, code), labels))
    return found


def ensure_concepts(codes: Codes) -> dict[str, int]:
    """The `nace` scheme holding every NACE-BEL 2008 and 2025 code of code.csv (labels the
    scheme already has are kept; empty ones are filled): notation → concept id."""
    from territoria.taxonomy.models import ConceptScheme
    from territoria.taxonomy.services.schemes import ConceptRow, apply_concept_rows

    scheme, _created = ConceptScheme.objects.get_or_create(
        code="nace", defaults={"title_fr": "Secteur d'activité (NACE-BEL)"}
    )
    existing = {c.notation: c for c in scheme.concepts.select_related("parent")}
    rows = [
        ConceptRow(
            notation=c.notation,
            parent=c.parent.notation if c.parent else "",
            labels={lang: getattr(c, f"label_{lang}") for lang in LANGUAGES},
            definition=c.definition,
            where=f"concept {c.notation}",
        )
        for c in sorted(existing.values(), key=lambda c: (c.position, c.notation))
    ]
    by_notation = {row.notation: row for row in rows}
    for own, parent, labels in concept_rows(codes):
        if parent and parent not in by_notation:
            continue  # a code whose parent code.csv lacks: the tree cannot place it
        known = by_notation.get(own)
        if known is None:
            cut = {
                lang: text if len(text) <= 200 else text[:199] + "…"
                for lang, text in labels.items()
            }
            row = ConceptRow(own, parent, cut, where=f"code.csv {own}")
            rows.append(row)
            by_notation[own] = row
        else:
            for lang, text in labels.items():
                if not known.labels.get(lang) and text:
                    known.labels[lang] = text if len(text) <= 200 else text[:199] + "…"
    apply_concept_rows(scheme, rows, "code.csv (NACE-BEL)")
    return dict(scheme.concepts.values_list("notation", "pk"))
