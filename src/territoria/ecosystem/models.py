"""The ecosystem's containers: organisations, people, events, publications."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import LANGUAGE_CODES, InLanguage, current_language, localized
from territoria.core.text import fold
from territoria.ecosystem.legal_forms import (
    LegalLabels,
    is_natural_person_form,
    legal_form_label,
    natural_person_label,
)
from territoria.ecosystem.validators import validate_enterprise_number
from territoria.taxonomy.models import Tag, TaggedModel, concept_field

# On SQLite, the FTS5 index of the organisations' search text, kept by triggers (migration
# 0009); PostgreSQL searches the column through its trigram index.
SEARCH_TABLE = "ecosystem_organisation_search"


def normalise_for_search(*parts: str | None) -> str:
    """Lower case without accents, so that "Liège", "LIEGE" and "liege" match."""
    return fold(*parts)


class Source(models.TextChoices):
    MANUAL = "manual", _("entered by the agency")
    KBO = "kbo", _("KBO/BCE open data")
    PUBLISHED = "published", _("published by the agency")
    DEMO = "demo", _("fictitious demo record")


class Organisation(TaggedModel):
    concept_fields = {"municipality": "territory", "size_class": "size"}

    enterprise_number = models.CharField(
        _("enterprise number"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_enterprise_number],
        help_text=_("KBO/BCE number written 0123.456.789; leave empty for a foreign organisation."),
    )
    name = models.CharField(_("name"), max_length=255, db_index=True)
    name_fr = models.CharField(_("name in French"), max_length=255, blank=True)
    name_nl = models.CharField(_("name in Dutch"), max_length=255, blank=True)
    name_de = models.CharField(_("name in German"), max_length=255, blank=True)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=80, blank=True)
    size_class = concept_field("size", _("size class"))
    street = models.CharField(_("street and number"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True, db_index=True)
    city = models.CharField(_("locality"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BE")
    municipality = concept_field("territory", _("municipality"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    # What the KBO/BCE register says (see `ecosystem.kbo`); a re-import rewrites these, and
    # never what the agency entered (descriptions, website, tags of its own).
    other_names = models.TextField(
        _("other names"), blank=True, help_text=_("Abbreviations and commercial names.")
    )
    juridical_form = models.CharField(_("legal form code (KBO)"), max_length=3, blank=True)
    juridical_situation = models.CharField(
        _("juridical situation code (KBO)"), max_length=3, blank=True
    )
    establishments = models.PositiveIntegerField(
        _("establishments"), null=True, blank=True, help_text=_("Establishment units in the KBO.")
    )
    main_activity = models.ForeignKey(
        "taxonomy.Concept",
        verbose_name=_("main activity (NACE-BEL)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"scheme__code": "nace"},
    )
    # The date a KBO/BCE update struck the enterprise off the register: it stays here with
    # what the agency added, but nothing public shows it (`public_organisations`).
    struck_off_on = models.DateField(_("struck off the register on"), null=True, blank=True)
    # Derived from legal_form on save (see `derive`): a natural person's organisation is
    # personal data, and SQL cannot compare "natürliche Person" without case the same way
    # on SQLite and PostgreSQL.
    natural_person_form = models.BooleanField(editable=False, default=False, db_index=True)
    # A natural person appears publicly only once staff record their consent (see
    # `ecosystem.services.public_organisations`); who recorded it, for the audit.
    publication_consent_at = models.DateTimeField(
        _("consent to publication recorded on"), null=True, blank=True, editable=False
    )
    publication_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent to publication recorded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When a consent was last recorded or withdrawn: a row entered or left the public
    # datasets then, which their `modified` date must show (and nothing else of a person).
    publication_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    tags = GenericRelation(Tag, related_query_name="organisation")
    # Set by `legal_labels` (below) for one language.
    _legal_labels: LegalLabels | None = None

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("ecosystem:organisation", args=[self.pk])

    @property
    def display_name(self) -> str:
        return localized(self, "name") or self.name

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def legal_labels(self) -> LegalLabels:
        """Its legal form and juridical situation in the active language: read by
        `legal_labels` (below), which a page of many organisations calls for them all."""
        labels = self._legal_labels
        if labels is None or labels.language != current_language():
            labels = legal_labels([self])[0]
        return labels

    @property
    def legal_form_label(self) -> InLanguage:
        """The legal form in the active language (see `legal_labels`)."""
        return self.legal_labels.form

    @property
    def juridical_situation_label(self) -> InLanguage | None:
        """The juridical situation in the active language; None when it is the normal one
        or the register does not word it (see `legal_labels`)."""
        return self.legal_labels.situation

    def build_search_text(self) -> str:
        return normalise_for_search(
            self.name,
            self.name_fr,
            self.name_nl,
            self.name_de,
            self.name_en,
            self.other_names,
            self.enterprise_number,
            (self.enterprise_number or "").replace(".", ""),
            self.legal_form,
            self.city,
            self.postcode,
            self.description_fr,
            self.description_nl,
            self.description_de,
            self.description_en,
        )

    def derive(self) -> None:
        """The fields computed from the others; save() calls it, bulk creators must."""
        self.search_text = self.build_search_text()
        self.natural_person_form = is_natural_person_form(self.legal_form)

    def save(self, *args: object, **kwargs: object) -> None:
        self.derive()
        super().save(*args, **kwargs)

    def record_publication_consent(self, consents: bool, by: Any) -> None:
        """Record (by staff member `by`) or withdraw the consent to publication; the caller
        saves. A consent already recorded keeps its date and author: they say when it was given."""
        if not consents and self.publication_consent_at is not None:
            self.publication_consent_at, self.publication_consent_by = None, None
            self.publication_changed_at = timezone.now()
        elif consents and self.publication_consent_at is None:
            self.publication_consent_at = self.publication_changed_at = timezone.now()
            self.publication_consent_by = by if getattr(by, "pk", None) else None


class Person(TaggedModel):
    """Personal data: shown publicly only with the person's recorded consent."""

    first_name = models.CharField(_("first name"), max_length=120)
    last_name = models.CharField(_("last name"), max_length=120)
    email = models.EmailField(_("e-mail"), blank=True)
    public_consent = models.BooleanField(
        _("consents to appear publicly"),
        default=False,
        help_text=_("Only people who consented appear on public pages."),
    )
    consent_recorded_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    organisations = models.ManyToManyField(
        Organisation, through="Membership", related_name="people", verbose_name=_("organisations")
    )
    tags = GenericRelation(Tag, related_query_name="person")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Membership(models.Model):
    """A person's role in an organisation."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=120)
    started_on = models.DateField(_("since"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("role in an organisation")
        verbose_name_plural = _("roles in organisations")

    def __str__(self) -> str:
        return f"{self.person} — {self.role}, {self.organisation}"


class Event(TaggedModel):
    concept_fields = {"event_type": "event-type"}

    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    event_type = concept_field("event-type", _("type"))
    starts_on = models.DateField(_("date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    url = models.URLField(_("web page"), blank=True)
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_events",
    )
    participants = models.ManyToManyField(
        Organisation, verbose_name=_("participants"), blank=True, related_name="events"
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    tags = GenericRelation(Tag, related_query_name="event")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_on", "title"]

    def __str__(self) -> str:
        return self.title


class Publication(TaggedModel):
    concept_fields = {"publication_type": "publication-type"}

    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    publication_type = concept_field("publication-type", _("type"))
    published_on = models.DateField(_("published on"))
    url = models.URLField(_("address"), blank=True)
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("related organisations"),
        blank=True,
        related_name="publications",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    tags = GenericRelation(Tag, related_query_name="publication")

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_on", "title"]

    def __str__(self) -> str:
        return self.title


class KboCode(models.Model):
    """One code of the KBO/BCE extract's code.csv (legal forms, NACE, …) in four languages."""

    category = models.CharField(max_length=40)
    code = models.CharField(max_length=20)
    label_fr = models.TextField(blank=True)
    label_nl = models.TextField(blank=True)
    label_de = models.TextField(blank=True)
    label_en = models.TextField(blank=True)

    class Meta:
        verbose_name = _("KBO code")
        verbose_name_plural = _("KBO codes")
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="kbo_code_unique")]

    def __str__(self) -> str:
        return f"{self.category} {self.code}"

    @property
    def label(self) -> str:
        return localized(self, "label") or self.code


class KboEnterprise(models.Model):
    """An enterprise of the register as the last import left it: its rows of every file
    (`state`, compressed JSON, see `ecosystem.kbo.state`), which an update extract edits."""

    number = models.CharField(max_length=12, primary_key=True)
    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="kbo")
    state = models.BinaryField()
    digest = models.CharField(max_length=40)
    extract_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("KBO enterprise")
        verbose_name_plural = _("KBO enterprises")

    def __str__(self) -> str:
        return self.number


class KboEstablishment(models.Model):
    """Which enterprise an establishment unit or a branch belongs to (an update extract's
    delete files name the unit or the branch alone)."""

    number = models.CharField(max_length=13, primary_key=True)
    enterprise = models.ForeignKey(
        KboEnterprise, on_delete=models.CASCADE, related_name="establishment_units"
    )

    def __str__(self) -> str:
        return self.number


class KboImport(models.Model):
    """One run of `territoria import kbo`: what it read, wrote and refused."""

    class Status(models.TextChoices):
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("refused")

    source = models.CharField(_("extract"), max_length=255)
    extract_type = models.CharField(_("type"), max_length=10, blank=True)
    extract_number = models.PositiveIntegerField(_("extract number"), default=0)
    snapshot_date = models.DateField(_("snapshot date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    bad_rows = models.PositiveIntegerField(_("bad rows"), default=0)
    report = models.CharField(_("report file"), max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("KBO import")
        verbose_name_plural = _("KBO imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} ({self.status})"


# --- An organisation's legal form and juridical situation, as the register words them -----

# code.csv's categories of the organisation's `juridical_form` and `juridical_situation`.
JURIDICAL_FORM = "JuridicalForm"
JURIDICAL_SITUATION = "JuridicalSituation"
# code.csv's "Situation normale": nearly every enterprise's, it says nothing on a page.
NORMAL_SITUATION = "000"


def legal_labels(
    organisations: Sequence[Organisation], language: str | None = None
) -> list[LegalLabels]:
    """Each organisation's legal form and juridical situation in `language` (the active
    one), read for all of them in one query; each organisation keeps its own
    (`Organisation.legal_labels`).

    The legal form is the register's label of its code (code.csv), in another language
    where it has none in this one; without a known code, the stored `legal_form` as
    `legal_forms.legal_form_label` writes it. A natural person's reads "natural person".
    """
    language = (language or current_language())[:2]
    naturals = [is_natural_person_form(org.legal_form) for org in organisations]
    forms = {
        org.juridical_form
        for org, natural in zip(organisations, naturals, strict=True)
        if org.juridical_form and not natural
    }
    situations = {org.juridical_situation for org in organisations} - {"", NORMAL_SITUATION}
    codes: dict[tuple[str, str], dict[str, str]] = {}
    if forms or situations:
        rows = KboCode.objects.filter(
            models.Q(category=JURIDICAL_FORM, code__in=sorted(forms))
            | models.Q(category=JURIDICAL_SITUATION, code__in=sorted(situations))
        ).values("category", "code", *(f"label_{code}" for code in LANGUAGE_CODES))
        codes = {(row["category"], row["code"]): row for row in rows}
    found = []
    for org, natural in zip(organisations, naturals, strict=True):
        if natural:
            form = natural_person_label(language)
        else:
            coded = _code_label(codes.get((JURIDICAL_FORM, org.juridical_form)), language)
            form = coded or legal_form_label(org.legal_form, language)
        situation = _code_label(codes.get((JURIDICAL_SITUATION, org.juridical_situation)), language)
        org._legal_labels = LegalLabels(language, form, situation)
        found.append(org._legal_labels)
    return found


def _code_label(row: dict[str, str] | None, language: str) -> InLanguage | None:
    """A code's label in `language`, else in French, else in any language that has one."""
    if row is None:
        return None
    for code in dict.fromkeys([language, settings.LANGUAGE_CODE, *LANGUAGE_CODES]):
        if text := row.get(f"label_{code}"):
            return InLanguage(text, code)
    return None
