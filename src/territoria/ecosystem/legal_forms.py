"""Belgian legal forms: the French form an organisation's `legal_form` holds (as the KBO
data and staff write it) and how Dutch and German write the same form.

Sources, checked form by form:

- the ISO 20275 Entity Legal Forms code list that GLEIF maintains (version of 2026-02-19),
  which gives each Belgian form's name and abbreviation in Dutch, French and German; its
  ELF code is in the comment of each line;
- for the municipality and its public social welfare centre, which that list leaves out:
  the words the ELF line 4L1X uses for the municipality ("autonoom gemeentebedrijf",
  "autonome Gemeinderegie"), and the Dutch and German names of the CPAS (OCMW, ÖSHZ) that
  Belgian administrative glossaries give (Lino's, for one);
- for a natural person, the words staff already use (`NATURAL_PERSON_FORMS`).

Belgian law names no form in English, so English falls back to French, marked as such.
A form the table does not know (a foreign one, or a spelling of its own) is shown as stored.
An organisation whose KBO code the register's code.csv words is shown in those words first
(`ecosystem.models.legal_labels`); this table serves the forms without such a code.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, F, TextField, Value, When

from territoria.core.i18n import InLanguage, current_language


@dataclass(frozen=True)
class LegalForm:
    """How each language writes one legal form; empty where no source confirms it."""

    fr: str
    nl: str = ""
    de: str = ""
    en: str = ""


_FORMS = [
    # The forms of the Code of companies and associations (2019)
    LegalForm("SRL", nl="BV", de="GmbH"),  # 3W7E
    LegalForm("SA", nl="NV", de="AG"),  # R85P
    LegalForm("SC", nl="CV", de="Gen."),  # 28FE
    LegalForm("SNC", nl="VOF", de="OHG"),  # UW1Y
    LegalForm("SComm", nl="CommV", de="KommG"),  # MQH3
    LegalForm("ASBL", nl="VZW", de="VoG"),  # W3WH
    LegalForm("AISBL", nl="IVZW", de="IVoG"),  # V03J
    LegalForm("fondation privée", nl="private stichting", de="Privatstiftung"),  # Y1Q4
    LegalForm("fondation d'utilité publique", nl="stichting van openbaar nut", de="gemeinnützige Stiftung"),  # ZUHK
    LegalForm("SE", nl="SE", de="SE"),  # 36KV
    LegalForm("GEIE", nl="EESV", de="EWIV"),  # 7SJP
    # Forms of before 2019, which older organisations keep
    LegalForm("SPRL", nl="BVBA", de="PGmbH"),  # N5NT
    LegalForm("SCRL", nl="CVBA", de="Gen.mbH"),  # 8E2A
    LegalForm("SCS", nl="Comm.V", de="EKG"),  # LWV6
    LegalForm("SCA", nl="Comm.VA", de="KGaA"),  # U2PN
    # Public bodies
    LegalForm("régie communale autonome", nl="autonoom gemeentebedrijf", de="autonome Gemeinderegie"),  # 4L1X
    LegalForm("commune", nl="gemeente", de="Gemeinde"),
    LegalForm("CPAS", nl="OCMW", de="ÖSHZ"),
    # No source confirms their Dutch or German form: French everywhere
    LegalForm("intercommunale"),
    LegalForm("organisme d'intérêt public"),
    # A one-person business
    LegalForm("personne physique", nl="natuurlijk persoon", de="natürliche Person"),
]  # fmt: skip


def _key(stored: str) -> str:
    """A stored form as the table looks it up: case folded (ü and Ü alike), spaces collapsed
    (no-break ones too)."""
    return " ".join(stored.casefold().split())


# A one-person business has no legal form of its own: the words the KBO and staff write in
# its place, in each language (English included: they name no form of Belgian law).
NATURAL_PERSON = LegalForm(
    "personne physique", nl="natuurlijk persoon", de="natürliche Person", en="natural person"
)
NATURAL_PERSON_FORMS = frozenset(
    _key(form)
    for form in (NATURAL_PERSON.fr, NATURAL_PERSON.nl, NATURAL_PERSON.de, NATURAL_PERSON.en)
)


def is_natural_person_form(stored: str) -> bool:
    """Whether a stored legal form is a natural person's, however it is written."""
    return _key(stored or "") in NATURAL_PERSON_FORMS


LEGAL_FORMS = {_key(form.fr): form for form in _FORMS}


def legal_form_label(stored: str, language: str | None = None) -> InLanguage:
    """The legal form stored as `stored`, as `language` (the active one) writes it: French
    where the table has no such form in that language; as stored where it knows no such form."""
    language = (language or current_language())[:2]
    form = LEGAL_FORMS.get(_key(stored))
    if form is None:
        return InLanguage(stored, language)  # its language is not known: shown as it is
    if text := getattr(form, language, ""):
        return InLanguage(text, language)
    return InLanguage(form.fr, settings.LANGUAGE_CODE)


def natural_person_label(language: str | None = None) -> InLanguage:
    """What stands for a natural person's legal form, in `language` (the active one)."""
    language = (language or current_language())[:2]
    if text := getattr(NATURAL_PERSON, language, ""):
        return InLanguage(text, language)
    return InLanguage(NATURAL_PERSON.fr, "fr")


@dataclass(frozen=True)
class LegalLabels:
    """An organisation's legal form and juridical situation as a page in `language` shows
    them (`ecosystem.models.legal_labels` reads them)."""

    language: str
    form: InLanguage  # empty text: no legal form known
    situation: InLanguage | None  # None: the normal situation, or one the register does not word


def legal_form_column(lang: str, column: str = "legal_form") -> Any:
    """The legal form as `lang` writes it, as an expression over `column` (for the datasets):
    the stored value where the table has no such form in that language."""
    whens = [
        When(**{f"{column}__iexact": form.fr}, then=Value(getattr(form, lang)))
        for form in _FORMS
        if getattr(form, lang, "") and getattr(form, lang) != form.fr
    ]
    if lang == settings.LANGUAGE_CODE or not whens:
        return column
    return Case(*whens, default=F(column), output_field=TextField())
