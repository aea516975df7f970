"""The check of each row of each data file: its values, its codes, its dates, and that it
names an enterprise or unit the register holds.

`check` gives either the row as the import keeps it — the enterprise it belongs to, the
entity it names, then its values (dates made ISO) — or the reason it is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from territoria.ecosystem.kbo.layout import (
    ADDRESS,
    CODED_COLUMNS,
    DATE_COLUMNS,
    NACE_VERSIONS,
    FileSpec,
)
from territoria.ecosystem.kbo.reader import (
    Codes,
    branch_id_problem,
    enterprise_number_problem,
    entity_number_problem,
    parse_date,
)

# Columns that may be empty; any other column must hold a value. An address needs only its
# entity and type (a foreign one has no Belgian postcode; a natural person's, no street).
OPTIONAL = {
    "enterprise": {"JuridicalForm", "JuridicalFormCAC", "JuridicalSituation"},
    "address": set(ADDRESS.columns[2:]),
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


class Checker:
    """The check of one file's rows, prepared once: tens of millions of rows go through it.

    `checker(row)` gives the kept row, [enterprise, entity, *values] (dates made ISO);
    Refused says which field and why.
    """

    def __init__(self, spec: FileSpec, codes: Codes, register: Register) -> None:
        self.spec, self.register = spec, register
        self.width = len(spec.columns)
        optional = OPTIONAL.get(spec.name, set())
        self.required = [
            (i, c) for i, c in enumerate(spec.columns) if c not in optional and c != spec.key
        ]
        position = {c: i for i, c in enumerate(spec.columns)}
        self.coded = [
            (position[column], column, frozenset(codes.get(category, {})), category)
            for column, category in CODED_COLUMNS.get(spec.name, {}).items()
        ]
        self.dates = [(position[c], c) for c in DATE_COLUMNS.get(spec.name, ())]
        self.nace = {v: frozenset(codes.get(f"Nace{v}", {})) for v in NACE_VERSIONS}
        self.iso: dict[str, str] = {}  # dd-mm-yyyy → yyyy-mm-dd, each date parsed once
        # The rows of one entity follow each other: its number is checked once.
        self.last_entity, self.last_owner, self.last_problem = "", "", ""

    def __call__(self, row: list[str]) -> list[str]:
        if len(row) != self.width:
            raise Refused("", f"{len(row)} values where the file has {self.width} columns")
        values = row  # as written: the register pads nothing, and a padded code is refused
        for i, column in self.required:
            if not values[i]:
                raise Refused(column, "empty")
        if max(map(len, values)) > MAX_VALUE or "\x00" in "".join(values):
            self._too_much(values)
        for i, column, known, category in self.coded:
            if values[i] and values[i] not in known:
                raise Refused(column, f"unknown code {values[i]!r} (not in code.csv, {category})")
        for i, column in self.dates:
            if values[i]:
                values[i] = self._iso(column, values[i])
        name = self.spec.name
        if name == "activity":
            version, code = values[2], values[3]
            if version not in self.nace:
                raise Refused("NaceVersion", f"unknown NACE version {version!r}")
            if code not in self.nace[version]:
                raise Refused("NaceCode", f"unknown code {code!r} (not in code.csv, Nace{version})")
        if name == "enterprise":
            _number(self.spec.key, enterprise_number_problem(values[0]))
            return [values[0], *values]
        if name in ("establishment", "branch"):
            enterprise, key = values[2], values[0]
            if name == "establishment":
                _number(self.spec.key, entity_number_problem(key))
                if key[0] in "01":
                    raise Refused(self.spec.key, f"{key} is an enterprise number, not a unit's")
            else:
                _number(self.spec.key, branch_id_problem(key))
            _number("EnterpriseNumber", enterprise_number_problem(enterprise))
            if not self.register.has_enterprise(enterprise):
                raise Refused("EnterpriseNumber", f"no enterprise {enterprise} in the register")
            return [enterprise, key, values[1]]
        entity = values[0]
        if entity != self.last_entity:
            problem = entity_number_problem(entity)
            owner = "" if problem else (self.register.enterprise_of(entity) or "")
            self.last_entity, self.last_owner, self.last_problem = entity, owner, problem
        _number("EntityNumber", self.last_problem)
        if not self.last_owner:
            raise Refused("EntityNumber", f"no enterprise or unit {entity} in the register")
        return [self.last_owner, *values]

    def _iso(self, column: str, value: str) -> str:
        found = self.iso.get(value)
        if found is None:
            try:
                found = parse_date(value).isoformat()
            except ValueError as error:
                raise Refused(column, str(error)) from None
            if len(self.iso) < 100_000:
                self.iso[value] = found
        return found

    def _too_much(self, values: list[str]) -> None:
        for column, value in zip(self.spec.columns, values, strict=True):
            if len(value) > MAX_VALUE:
                raise Refused(column, f"{len(value)} characters, more than any KBO value holds")
            if "\x00" in value:
                raise Refused(column, "a NUL character")


MAX_VALUE = 4000


def check_key(spec: FileSpec, row: list[str]) -> str:
    """The key of a delete file's row."""
    if len(row) != 1:
        raise Refused("", f"{len(row)} values where a delete file has 1 column")
    key = row[0]
    if spec.name == "branch":
        _number(spec.key, branch_id_problem(key))
    elif spec.name == "enterprise":
        _number(spec.key, enterprise_number_problem(key))
    else:
        _number(spec.key, entity_number_problem(key))
    return key


def _number(column: str, problem: str) -> None:
    if problem:
        raise Refused(column, problem)
