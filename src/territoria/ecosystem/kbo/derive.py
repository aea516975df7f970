"""From one enterprise's rows in the register to what its organisation shows.

Each rule is here once: which name, which address, which legal form, which activities
become tags, which organisation type can be told. What the register cannot tell (the size
class, whether a company is a start-up) is left empty rather than guessed.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from territoria.ecosystem.kbo import nace
from territoria.ecosystem.kbo.layout import (
    DENOMINATION_LANGUAGES,
    ESTABLISHMENT_ADDRESS,
    KEPT_NACE_VERSIONS,
    LEGAL_NAME,
    MAIN,
    NATURAL_PERSON,
    REGISTERED_SEAT,
    WEBSITE,
)
from territoria.ecosystem.kbo.reader import Codes
from territoria.ecosystem.kbo.state import State
from territoria.ecosystem.legal_forms import is_natural_person_form
from territoria.ecosystem.models import normalise_for_search

NATURAL_PERSON_FORM = "personne physique"
# Legal forms whose label tells the organisation type (the label, not the code: codes
# are the KBO's to add, and the words are stable across its versions).
NON_PROFIT_WORDS = ("sans but lucratif", "fondation")
LOCAL_AUTHORITY_WORDS = ("commune", "centre public d'action sociale", "province")
WEB_ADDRESS = URLValidator(schemes=["http", "https"])


@dataclass
class Context:
    codes: Codes
    nace_ids: dict[str, int]  # notation → concept id
    place_ids: dict[str, int]  # postcode → territory concept id
    org_type_ids: dict[str, int]  # notation → concept id
    languages: tuple[str, ...] = ("fr", "nl", "de", "en")
    # (NACE version, code as the register writes it) → concept id or None, as met.
    activity_ids: dict[tuple[str, str], int | None] = field(default_factory=dict)

    def activity_id(self, version: str, code: str) -> int | None:
        """The `nace` concept of an activity row; None for a version or code not kept."""
        key = (version, code)
        try:
            return self.activity_ids[key]
        except KeyError:
            found = None
            if version in KEPT_NACE_VERSIONS:
                found = self.nace_ids.get(nace.notation(version, code) or "")
            self.activity_ids[key] = found
            return found


@dataclass
class Derived:
    values: dict[str, Any]
    tags: set[int] = field(default_factory=set)
    website: str = ""


def derive(number: str, state: State, context: Context) -> Derived:
    """The organisation's fields and imported tags for enterprise `number`."""
    # Status is always AC: the open data holds active enterprises only.
    _status, situation, kind, form, _form_cac, start = state["e"]
    names = _legal_names(state["den"].get(number, []))
    name = next((names[lang] for lang in (*context.languages, "") if names.get(lang)), "")
    others = _other_names(state)
    # A natural person's own name is not published: the trade name stands in for it.
    name = name or next(iter(others), "")
    address = _main_address(number, state)
    natural = kind == NATURAL_PERSON
    if natural:
        legal_form = NATURAL_PERSON_FORM
    else:
        legal_form = _label(context.codes, "JuridicalForm", form, "fr")[:80]
    postcode = address[3][:10] if address else ""
    values = {
        "name": (name or number)[:255],
        **{f"name_{lang}": names.get(lang, "")[:255] for lang in ("fr", "nl", "de", "en")},
        "other_names": " · ".join(others)[:2000],
        "legal_form": legal_form,
        "juridical_form": form,
        "juridical_situation": situation,
        "street": _street(address)[:255] if address else "",
        "postcode": postcode,
        "city": ((address[5] or address[4]) if address else "")[:120],
        "country": "BE" if address is None or not (address[1] or address[2]) else "",
        "municipality_id": context.place_ids.get(postcode),
        "founded_on": date.fromisoformat(start) if start else None,
        "establishments": len(state["est"]),
        "main_activity_id": _main_activity(number, state, context),
        "natural_person_form": is_natural_person_form(legal_form),
        "is_active": True,
        "struck_off_on": None,
    }
    tags = {
        found
        for entity_rows in state["act"].values()
        for version, code, _classification in entity_rows
        if (found := context.activity_id(version, code))
    }
    if values["municipality_id"]:
        tags.add(values["municipality_id"])
    org_type = _org_type(natural, legal_form)
    if org_type and org_type in context.org_type_ids:
        tags.add(context.org_type_ids[org_type])
    website = next(
        (value for _ec, kind_, value in state["con"].get(number, []) if kind_ == WEBSITE), ""
    )
    return Derived(values, tags, _web_address(website))


def search_text(values: dict[str, Any], number: str, descriptions: tuple[str, ...] = ()) -> str:
    """What `Organisation.build_search_text` gives for these values (the import writes rows
    without building instances)."""
    return normalise_for_search(
        values["name"],
        values["name_fr"],
        values["name_nl"],
        values["name_de"],
        values["name_en"],
        values["other_names"],
        number,
        number.replace(".", ""),
        values["legal_form"],
        values["city"],
        values["postcode"],
        *descriptions,
    )


def _web_address(value: str) -> str:
    """The register's web address as a link anyone may follow: http(s) only, else nothing."""
    value = value.strip()
    if value and "://" not in value:
        value = f"https://{value}"
    if len(value) > 200 or not value.lower().startswith(("http://", "https://")):
        return ""
    try:
        WEB_ADDRESS(value)
    except ValidationError:
        return ""
    return value


def _legal_names(rows: list[list[str]]) -> dict[str, str]:
    """The legal name (type 001) in each language; "" for the one of unknown language."""
    names: dict[str, str] = {}
    for language, kind, text in rows:
        if kind == LEGAL_NAME:
            names.setdefault(DENOMINATION_LANGUAGES.get(language, ""), text)
    return names


def _other_names(state: State) -> list[str]:
    """Abbreviations, commercial names, and the names of the establishment units."""
    found: list[str] = []
    for entity, rows in state["den"].items():
        for _language, kind, text in rows:
            if (kind != LEGAL_NAME or entity in state["est"]) and text not in found:
                found.append(text)
    return found


def _main_address(number: str, state: State) -> list[str] | None:
    """The registered seat; failing it (a natural person's is not published), the first
    establishment unit's address. An address struck off is a last resort."""
    candidates = [row for row in state["adr"].get(number, []) if row[0] == REGISTERED_SEAT]
    for establishment in state["est"]:
        candidates += [
            row for row in state["adr"].get(establishment, []) if row[0] == ESTABLISHMENT_ADDRESS
        ]
    current = [row for row in candidates if not row[-1]]
    chosen = current or candidates
    return chosen[0] if chosen else None


def _street(address: list[str]) -> str:
    street = address[7] or address[6]
    text = " ".join(part for part in (street, address[8]) if part)
    if address[9]:
        text += f" bte {address[9]}"
    return text


def _main_activity(number: str, state: State, context: Context) -> int | None:
    """The main activity in the newest version, the enterprise's own before its units'."""
    for version in reversed(KEPT_NACE_VERSIONS):
        for entity in (number, *state["est"]):
            for row_version, code, classification in state["act"].get(entity, []):
                if row_version == version and classification == MAIN:
                    found = context.activity_id(version, code)
                    if found:
                        return found
    return None


def _org_type(natural: bool, legal_form: str) -> str:
    if natural:
        return "self-employed"
    form = legal_form.casefold()
    if any(word in form for word in NON_PROFIT_WORDS):
        return "non-profit"
    if form.startswith(LOCAL_AUTHORITY_WORDS):
        return "local-authority"
    return ""


def _label(codes: Codes, category: str, code: str, language: str) -> str:
    labels = codes.get(category, {}).get(code, {})
    return labels.get(language) or next(iter(labels.values()), code) if code else ""
