"""The check of each row of each data file: its values, its codes, its dates, and that it
names an enterprise or unit the register holds.

`check` gives either the row as the import keeps it — the enterprise it belongs to, the
entity it names, then its values (dates made ISO) — or the reason it is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from territoria.ecosystem.kbo.layout import (
    CODED_COLUMNS,
    DATE_COLUMNS,
    NACE_VERSIONS,
    FileSpec,
)
from territoria.ecosystem.kbo.reader import (
    Codes,
    enterprise_number_problem,
    entity_number_problem,
    parse_date,
)

# Columns that may be empty; any other column must hold a value.
OPTIONAL = {
    "enterprise": {"JuridicalForm", "JuridicalFormCAC", "JuridicalSituation"},
    "address": {
        "CountryNL",
        "CountryFR",
        "Zipcode",
        "MunicipalityNL",
        "MunicipalityFR",
        "StreetNL",
        "StreetFR",
        "HouseNumber",
        "Box",
        "ExtraAddressInfo",
        "DateStrikingOff",
    },
}


class Refused(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


@dataclass
class Register:
    """The enterprises and units a row may name: those of the extract, and for an update
    those the database already holds."""

    enterprises: set[str] = field(default_factory=set)
    units: dict[str, str] = field(default_factory=dict)  # establishment → enterprise
    known_enterprise: Callable[[str], bool] | None = None
    known_unit: Callable[[str], str | None] | None = None

    def has_enterprise(self, number: str) -> bool:
        if number in self.enterprises:
            return True
        return bool(self.known_enterprise and self.known_enterprise(number))

    def enterprise_of(self, entity: str) -> str | None:
        if entity[0] in "01":
            return entity if self.has_enterprise(entity) else None
        found = self.units.get(entity)
        if found is None and self.known_unit is not None:
            found = self.known_unit(entity)
        return found


def check(spec: FileSpec, row: list[str], codes: Codes, register: Register) -> list[str]:
    """The kept row: [enterprise, entity, *values]; Refused says which field and why."""
    if len(row) != len(spec.columns):
        raise Refused("", f"{len(row)} values where the file has {len(spec.columns)} columns")
    values = dict(zip(spec.columns, (value.strip() for value in row), strict=True))
    optional = OPTIONAL.get(spec.name, set())
    for column, value in values.items():
        if not value and column not in optional and column != spec.key:
            raise Refused(column, "empty")
        if len(value) > 4000:
            raise Refused(column, f"{len(value)} characters, more than any KBO value holds")
        if "\x00" in value:
            raise Refused(column, "a NUL character")
    for column, category in CODED_COLUMNS.get(spec.name, {}).items():
        value = values[column]
        if value and value not in codes.get(category, {}):
            raise Refused(column, f"unknown code {value!r} (not in code.csv, {category})")
    for column in DATE_COLUMNS.get(spec.name, ()):
        if values[column]:
            try:
                values[column] = parse_date(values[column]).isoformat()
            except ValueError as error:
                raise Refused(column, str(error)) from None
    if spec.name == "activity":
        version, code = values["NaceVersion"], values["NaceCode"]
        if version not in NACE_VERSIONS:
            raise Refused("NaceVersion", f"unknown NACE version {version!r}")
        if code not in codes.get(f"Nace{version}", {}):
            raise Refused("NaceCode", f"unknown code {code!r} (not in code.csv, Nace{version})")
    own = list(values.values())
    if spec.name == "enterprise":
        number = values["EnterpriseNumber"]
        _number(spec.key, enterprise_number_problem(number))
        return [number, number, *own[1:]]
    if spec.name in ("establishment", "branch"):
        enterprise = values["EnterpriseNumber"]
        key = values[spec.key]
        if spec.name == "establishment":
            _number(spec.key, entity_number_problem(key))
            if key[0] in "01":
                raise Refused(spec.key, f"{key} is an enterprise number, not a unit's")
        _number("EnterpriseNumber", enterprise_number_problem(enterprise))
        if not register.has_enterprise(enterprise):
            raise Refused("EnterpriseNumber", f"no enterprise {enterprise} in the register")
        return [enterprise, key, own[1]]
    entity = values["EntityNumber"]
    _number("EntityNumber", entity_number_problem(entity))
    owner = register.enterprise_of(entity)
    if owner is None:
        raise Refused("EntityNumber", f"no enterprise or unit {entity} in the register")
    return [owner, entity, *own[1:]]


def check_key(spec: FileSpec, row: list[str]) -> str:
    """The key of a delete file's row."""
    if len(row) != 1:
        raise Refused("", f"{len(row)} values where a delete file has 1 column")
    key = row[0].strip()
    if spec.name == "branch":
        if not key:
            raise Refused(spec.key, "empty")
        return key
    _number(spec.key, entity_number_problem(key))
    return key


def _number(column: str, problem: str) -> None:
    if problem:
        raise Refused(column, problem)
