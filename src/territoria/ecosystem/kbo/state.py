"""One enterprise's rows in the register, as the last import left them.

A full extract gives every row; an update extract deletes an entity's rows from one file
and inserts its new ones. To apply an update to an enterprise whose other files did not
change, the import keeps each enterprise's rows (`KboEnterprise.state`): a small JSON
document, compressed.

    {"e": [Status, JuridicalSituation, TypeOfEnterprise, JuridicalForm, JuridicalFormCAC,
           StartDate] or null,
     "est": {establishment: StartDate}, "br": {branch id: StartDate},
     "den": {entity: [[Language, TypeOfDenomination, Denomination], …]},
     "adr": {entity: [[TypeOfAddress, CountryNL, …, DateStrikingOff], …]},
     "con": {entity: [[EntityContact, ContactType, Value], …]},
     "act": {entity: [[NaceVersion, NaceCode, Classification], …]}}

Dates are ISO (yyyy-mm-dd). An activity is kept without its ActivityGroup (VAT, social
security…): the same code under three groups is one activity, and half the rows. Rows are kept sorted and without repeats, so that the same
register always gives the same bytes, and the same digest.
"""

import hashlib
import json
import zlib
from typing import Any

State = dict[str, Any]

# The files whose rows hang under an entity (the enterprise or one of its units).
ENTITY_PARTS = {"denomination": "den", "address": "adr", "contact": "con", "activity": "act"}


def empty() -> State:
    return {"e": None, "est": {}, "br": {}, "den": {}, "adr": {}, "con": {}, "act": {}}


def delete(state: State, file: str, key: str, enterprise: str) -> None:
    """What `<file>_delete.csv` removes: every row of `key` in that file."""
    if file == "enterprise":
        if key == enterprise:
            state["e"] = None
    elif file == "establishment":
        state["est"].pop(key, None)
    elif file == "branch":
        state["br"].pop(key, None)
    else:
        state[ENTITY_PARTS[file]].pop(key, None)


def insert(state: State, file: str, entity: str, values: list[str]) -> None:
    """One checked row of `file` (its values after the enterprise and entity columns)."""
    if file == "enterprise":
        state["e"] = values
    elif file == "establishment":
        state["est"][entity] = values[0]
    elif file == "branch":
        state["br"][entity] = values[0]
    else:
        state[ENTITY_PARTS[file]].setdefault(entity, []).append(values)


def settle(state: State) -> State:
    """Sorted, without repeated rows, without empty entries: one register, one form."""
    for part in ENTITY_PARTS.values():
        state[part] = {
            entity: sorted({tuple(row) for row in found})
            for entity, found in sorted(state[part].items())
            if found
        }
    state["est"] = dict(sorted(state["est"].items()))
    state["br"] = dict(sorted(state["br"].items()))
    return state


def encode(state: State) -> tuple[bytes, str]:
    """The stored bytes and the digest of a settled state."""
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
    # A state is under a kilobyte or two: a 4 KB window and small hash tables compress it
    # as well as zlib's defaults, whose setup (half a megabyte) took most of the time.
    # `decode` reads any window size.
    packer = zlib.compressobj(1, zlib.DEFLATED, 12, 4)
    data = packer.compress(text) + packer.flush()
    return data, hashlib.sha1(text, usedforsecurity=False).hexdigest()


def decode(data: bytes | memoryview) -> State:
    state: State = json.loads(zlib.decompress(bytes(data)))
    return state


def entities(state: State, enterprise: str) -> list[str]:
    """The enterprise then its establishment units."""
    return [enterprise, *state["est"]]
