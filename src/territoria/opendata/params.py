"""A request's parameters, checked against the Explore API's limits before anything is
compiled or run: the ODSQL clauses, the page (`limit`, `offset`), the refinements
(`refine`, `exclude`) and the language and timezone, gathered in a `Request`; a client's
mistake is a `QueryError`, which the API answers with HTTP 400.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from territoria.taxonomy.expressions import Expression

# The languages Opendatasoft's `lang` parameter accepts (its OpenAPI document's enum).
ODS_LANGUAGES = ("en", "fr", "nl", "pt", "it", "ar", "de", "es", "ca", "eu", "sv")
# The languages Territoria's texts are written in; the others read French, the first.
TEXT_LANGUAGES = ("fr", "nl", "de", "en")
MAX_LIMIT = 100
MAX_GROUP_LIMIT = 20_000
MAX_WINDOW = 10_000
DEFAULT_LIMIT = 10


class QueryError(ValueError):
    """A client mistake, answered with HTTP 400 and Opendatasoft's error shape."""

    def __init__(self, message: str, error_code: str = "InvalidRESTParameterError") -> None:
        self.error_code = error_code
        super().__init__(message)


@dataclass(frozen=True)
class Refinement:
    field: str
    value: str
    excluded: bool


@dataclass
class Request:
    select: str | None = None
    where: str | None = None
    group_by: str | None = None
    order_by: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    refinements: list[Refinement] = field(default_factory=list)
    lang: str = "fr"
    timezone: str = "UTC"
    # Not a query parameter: a taxonomy selection a page adds to the refinements (the
    # directory's concepts, alternatives within a scheme where `refine` combines them all).
    expression: Expression | None = None


def text_language(lang: str | None) -> str:
    """The language the texts are given in for a `lang` parameter: any of Opendatasoft's
    is accepted (a script written for another portal may ask for Spanish), and one that
    Territoria has no texts in reads French, as a translation missing in the data does."""
    code = (lang or "fr").strip().lower()
    if code not in ODS_LANGUAGES:
        raise QueryError(f"lang: expected one of {', '.join(ODS_LANGUAGES)}, not {lang!r}")
    return code if code in TEXT_LANGUAGES else "fr"


def integer_param(params: Mapping[str, Any], name: str, default: int) -> int:
    """A whole-number parameter (at most 12 digits), or `default` when it is absent."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = str(raw).strip()
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 12):
        raise QueryError(f"{name}: {raw!r} is not a whole number")
    return int(text)


def parse_request(params: Any, *, export: bool = False, getlist: Any = None) -> Request:
    """The ODSQL and paging parameters of a request, checked against the API's limits."""
    get_all = getlist or (lambda name: params.getlist(name))
    for name in ("select", "where", "group_by", "order_by", "lang", "timezone"):
        value = params.get(name)
        if value is not None and "\x00" in value:
            raise QueryError(f"{name}: NUL characters are not allowed", "ODSQLError")
    request = Request(
        select=params.get("select") or None,
        where=params.get("where") or None,
        group_by=params.get("group_by") or None,
        order_by=params.get("order_by") or None,
        lang=text_language(params.get("lang")),
        timezone=params.get("timezone") or "UTC",
    )
    request.refinements = [
        *(parse_refinement(text, False) for text in get_all("refine")),
        *(parse_refinement(text, True) for text in get_all("exclude")),
    ]
    if export:
        request.limit = integer_param(params, "limit", -1)
        request.offset = integer_param(params, "offset", 0)
        if request.limit < -1:
            raise QueryError("limit: must be -1 (all) or a positive number")
    else:
        request.limit = integer_param(params, "limit", DEFAULT_LIMIT)
        request.offset = integer_param(params, "offset", 0)
        grouped = bool(request.group_by)
        most = MAX_GROUP_LIMIT if grouped else MAX_LIMIT
        if request.limit == -1 and grouped:
            request.limit = MAX_GROUP_LIMIT
        if not 0 <= request.limit <= most:
            raise QueryError(f"limit: must be between 0 and {most}, not {request.limit}")
        if not grouped and request.offset + request.limit > MAX_WINDOW:
            raise QueryError(
                f"offset + limit must not exceed {MAX_WINDOW}: use the exports endpoint "
                "to read all records"
            )
    if request.offset < 0:
        raise QueryError("offset: must be 0 or more")
    return request


def parse_refinement(text: str, excluded: bool) -> Refinement:
    """One `refine` (or, `excluded`, `exclude`) parameter: "field:value", the value
    perhaps in double quotes."""
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        param = "exclude" if excluded else "refine"
        raise QueryError(f'{param}: write "field:value", not {text!r}')
    if "\x00" in text:
        raise QueryError("refine: NUL characters are not allowed")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return Refinement(name.strip(), value, excluded)
