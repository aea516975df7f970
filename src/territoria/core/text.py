"""How texts are compared: searched without case or accents, sorted as a reader expects."""

import unicodedata

# ASCII's control characters, which `fold` drops as it drops every other.
_ASCII_CONTROLS = dict.fromkeys([*range(32), 127])


def fold(*parts: str | None) -> str:
    """Lower case without accents, so that "Liège", "LIEGE" and "liege" match."""
    text = " ".join(part for part in parts if part)
    if text.isascii():  # most names: the same result, without a look at every character
        return " ".join(text.translate(_ASCII_CONTROLS).lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Accents go; so do control characters (PostgreSQL text cannot hold NUL).
    kept = (
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cc"
    )
    return " ".join("".join(kept).split())


def sort_key(name: str) -> str:
    """A name's place in a list: case and accents ignored ("école" among the e), then the
    name as written to order names that fold alike."""
    return f"{fold(name)}\x00{name}"
