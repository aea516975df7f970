"""The ecosystem's containers: organisations, people, events, publications."""

import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import InLanguage, localized
from territoria.ecosystem.legal_forms import is_natural_person_form, legal_form_label
from territoria.ecosystem.validators import validate_enterprise_number
from territoria.taxonomy.models import Tag, TaggedModel, concept_field


def normalise_for_search(*parts: str | None) -> str:
    """Lower case without accents, so that "Liège", "LIEGE" and "liege" match."""
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Accents go; so do control characters (PostgreSQL text cannot hold NUL).
    kept = (
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cc"
    )
    return " ".join("".join(kept).split())


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
    def legal_form_label(self) -> InLanguage:
        """The legal form as the active language writes it (see `legal_forms`)."""
        return legal_form_label(self.legal_form)

    def build_search_text(self) -> str:
        return normalise_for_search(
            self.name,
            self.name_fr,
            self.name_nl,
            self.name_de,
            self.name_en,
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
