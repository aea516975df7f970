"""The files of a KBO/BCE open-data extract, as the FOD Economie's cookbook lays them out.

A full extract holds every file below; an update extract holds `<name>_delete.csv` (the
keys whose rows go) and `<name>_insert.csv` (the rows that come), applied in that order,
file by file, plus meta.csv and code.csv whole.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[str, ...]
    # The column that names the row's enterprise or establishment (what a delete file holds).
    key: str
    required: bool = True


ENTERPRISE = FileSpec(
    "enterprise",
    (
        "EnterpriseNumber",
        "Status",
        "JuridicalSituation",
        "TypeOfEnterprise",
        "JuridicalForm",
        "JuridicalFormCAC",
        "StartDate",
    ),
    "EnterpriseNumber",
)
ESTABLISHMENT = FileSpec(
    "establishment", ("EstablishmentNumber", "StartDate", "EnterpriseNumber"), "EstablishmentNumber"
)
DENOMINATION = FileSpec(
    "denomination",
    ("EntityNumber", "Language", "TypeOfDenomination", "Denomination"),
    "EntityNumber",
)
ADDRESS = FileSpec(
    "address",
    (
        "EntityNumber",
        "TypeOfAddress",
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
    ),
    "EntityNumber",
)
CONTACT = FileSpec(
    "contact", ("EntityNumber", "EntityContact", "ContactType", "Value"), "EntityNumber", False
)
ACTIVITY = FileSpec(
    "activity",
    ("EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification"),
    "EntityNumber",
)
BRANCH = FileSpec("branch", ("Id", "StartDate", "EnterpriseNumber"), "Id", False)
META = FileSpec("meta", ("Variable", "Value"), "Variable")
CODE = FileSpec("code", ("Category", "Code", "Language", "Description"), "Code")

# In the order an import reads them: a row may only name what an earlier file holds.
DATA_FILES = (ENTERPRISE, ESTABLISHMENT, BRANCH, DENOMINATION, ADDRESS, CONTACT, ACTIVITY)
ALL_FILES = (META, CODE, *DATA_FILES)

# code.csv's language column, and the denomination's language code (0: unknown).
CODE_LANGUAGES = {"FR": "fr", "NL": "nl", "DE": "de", "EN": "en"}
DENOMINATION_LANGUAGES = {"1": "fr", "2": "nl", "3": "de", "4": "en"}

# The columns checked against a category of code.csv.
CODED_COLUMNS = {
    "enterprise": {
        "Status": "Status",
        "JuridicalSituation": "JuridicalSituation",
        "TypeOfEnterprise": "TypeOfEnterprise",
        "JuridicalForm": "JuridicalForm",
        "JuridicalFormCAC": "JuridicalForm",
    },
    "denomination": {"Language": "Language", "TypeOfDenomination": "TypeOfDenomination"},
    "address": {"TypeOfAddress": "TypeOfAddress"},
    "contact": {"EntityContact": "EntityContact", "ContactType": "ContactType"},
    "activity": {"ActivityGroup": "ActivityGroup", "Classification": "Classification"},
}
DATE_COLUMNS = {
    "enterprise": ("StartDate",),
    "establishment": ("StartDate",),
    "branch": ("StartDate",),
    "address": ("DateStrikingOff",),
}
NACE_VERSIONS = ("2003", "2008", "2025")
# The versions that become concepts of the `nace` scheme (2003 is read, checked, not kept).
KEPT_NACE_VERSIONS = ("2008", "2025")

NATURAL_PERSON = "1"  # TypeOfEnterprise
REGISTERED_SEAT = "REGO"  # TypeOfAddress of an enterprise's seat
ESTABLISHMENT_ADDRESS = "BAET"
LEGAL_NAME = "001"  # TypeOfDenomination
WEBSITE = "WEB"  # ContactType
MAIN = "MAIN"  # Classification
