"""Concept schemes, their hierarchical concepts, tags on any record, and saved magnets."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import localized, translations
from territoria.core.leases import Leased

# The container a magnet selects unless it says otherwise.
DEFAULT_CONTAINER = "organisation"

notation_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("A notation is made of letters, digits, dots, dashes and underscores."),
)


# How deep a scheme's hierarchy may go (NACE has five levels): deeper files are refused,
# which bounds the closure table and every tree the pages draw.
MAX_DEPTH = 12


class ConceptScheme(models.Model):
    class Kind(models.TextChoices):
        GENERIC = "generic", _("generic")
        SPECIFIC = "specific", _("specific")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_nl = models.CharField(_("title (Dutch)"), max_length=200, blank=True)
    title_de = models.CharField(_("title (German)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GENERIC)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("concept scheme")
        verbose_name_plural = _("concept schemes")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title") or self.code


class Concept(models.Model):
    scheme = models.ForeignKey(
        ConceptScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="concepts"
    )
    notation = models.CharField(_("notation"), max_length=40, validators=[notation_validator])
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_nl = models.CharField(_("label (Dutch)"), max_length=200, blank=True)
    label_de = models.CharField(_("label (German)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("broader concept"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("concept")
        verbose_name_plural = _("concepts")
        ordering = ["scheme__position", "position", "notation"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "notation"], name="concept_unique_notation")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"

    @property
    def code(self) -> str:
        """The concept as written in expressions and URLs: `scheme:notation`."""
        return f"{self.scheme.code}:{self.notation}"

    @property
    def label(self) -> str:
        return localized(self, "label") or self.notation

    def clean(self) -> None:
        ancestor, steps = self.parent, 1  # steps: this concept's level under its ancestor
        while ancestor is not None:
            if steps >= MAX_DEPTH:
                raise ValidationError(
                    {"parent": _("A scheme is at most %d levels deep.") % MAX_DEPTH}
                )
            steps += 1
            if ancestor.scheme_id != self.scheme_id:
                raise ValidationError(
                    {"parent": _("The broader concept must be in the same scheme.")}
                )
            if ancestor.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A concept cannot be its own ancestor.")})
            ancestor = ancestor.parent


class ConceptClosure(models.Model):
    """Every (ancestor, descendant) pair, a concept being its own ancestor at depth 0.

    A query on a concept includes its descendants by joining through this table.
    """

    ancestor = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="ancestry")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="closure_unique_pair")
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} ⊇ {self.descendant_id} ({self.depth})"


class Tag(models.Model):
    """A concept applied to a record of any container, with where it came from."""

    class Provenance(models.TextChoices):
        MANUAL = "manual", _("entered by hand")
        IMPORTED = "imported", _("imported")
        SUGGESTED = "suggested", _("suggested, then accepted")

    concept = models.ForeignKey(
        Concept, verbose_name=_("concept"), on_delete=models.PROTECT, related_name="tags"
    )
    # Indexed as the first column of the two indexes below.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    provenance = models.CharField(
        _("provenance"), max_length=10, choices=Provenance.choices, default=Provenance.MANUAL
    )
    created_at = models.DateTimeField(_("tagged on"), auto_now_add=True)
    # Empty on the millions of imported tags: indexed where it is set (see Meta).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "concept"], name="tag_unique_per_record"
            )
        ]
        # A record's tags: the unique constraint's index (content type, object, concept).
        indexes = [
            models.Index(fields=["content_type", "concept", "object_id"]),
            models.Index(
                fields=["created_by"],
                name="tag_created_by_set",
                condition=models.Q(created_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}/{self.object_id} → {self.concept_id}"


class Magnet(models.Model):
    """A saved, named boolean expression over concepts (see `expressions.py`)."""

    name = models.CharField(_("name"), max_length=200)
    name_nl, name_de, name_en = translations(name)
    slug = models.SlugField(_("permalink"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    description_nl, description_de, description_en = translations(description)
    container = models.CharField(_("container"), max_length=40, default=DEFAULT_CONTAINER)
    expression = models.JSONField(_("expression"))
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Anyone may open a public magnet's results.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("magnet")
        verbose_name_plural = _("magnets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("taxonomy:magnet", args=[self.slug])


def concept_field(
    scheme: str, verbose_name: Any
) -> "models.ForeignKey[Concept | None, Concept | None]":
    """An optional link to one concept of `scheme`, for a TaggedModel's `concept_fields`."""
    return models.ForeignKey(
        Concept,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"scheme__code": scheme},
    )


def concept_set(scheme: str, verbose_name: Any) -> "models.ManyToManyField[Concept, Any]":
    """A set of concepts of `scheme` (e.g. the size classes a call accepts); empty allowed."""
    return models.ManyToManyField(
        Concept,
        verbose_name=verbose_name,
        blank=True,
        related_name="+",
        limit_choices_to={"scheme__code": scheme},
    )


class TaggedModel(models.Model):
    """Base of every container model: tags, plus concept fields kept in step with them.

    `concept_fields` maps a ForeignKey to Concept onto its scheme code: the record's
    tags in that scheme always equal the field, so magnets and facets see it.
    """

    concept_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            if self.concept_fields:
                self.sync_concept_field_tags()

    def sync_concept_field_tags(self) -> None:
        content_type = ContentType.objects.get_for_model(self)
        for field_name, scheme_code in self.concept_fields.items():
            concept_id = getattr(self, f"{field_name}_id")
            stale = Tag.objects.filter(
                content_type=content_type, object_id=self.pk, concept__scheme__code=scheme_code
            )
            if concept_id is not None:
                stale = stale.exclude(concept_id=concept_id)
            stale.delete()
            if concept_id is not None:
                Tag.objects.get_or_create(
                    content_type=content_type,
                    object_id=self.pk,
                    concept_id=concept_id,
                    defaults={"provenance": Tag.Provenance.MANUAL},
                )

    def clean(self) -> None:
        super().clean()
        errors = {}
        for field_name, scheme_code in self.concept_fields.items():
            concept = getattr(self, field_name)
            if concept is not None and concept.scheme.code != scheme_code:
                errors[field_name] = _("Choose a concept of the scheme “%s”.") % scheme_code
        if errors:
            raise ValidationError(errors)


class IndexState(models.Model):
    """A token that changes with every change to tags, concepts or tagged records.

    Each process keeps its bitmap index while the token is unchanged. The token is a
    fresh random value rather than a counter, so a rolled-back change can never make
    an old index look current.
    """

    key = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.key}: {self.token}"


class IndexChange(models.Model):
    """One record of a container changed (saved, deleted, tagged): every process brings its
    bitmap index up to date with the records these rows name, instead of rebuilding it.

    Written in the transaction that changes the record, so a rolled-back change leaves none.
    Rows older than a day are pruned: a process that slept longer rebuilds.
    """

    container = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.container}/{self.object_id}"


class SchemeImport(Leased):
    """A concept-scheme file uploaded by staff, imported by the background worker (which
    holds it under a lease: a worker that stops leaves it to another, see core.leases)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("refused")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        TURTLE = "turtle", "SKOS Turtle"

    scheme_code = models.SlugField(_("scheme code"), max_length=40)
    scheme_title = models.CharField(_("title of a new scheme"), max_length=200, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    content = models.TextField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created = models.PositiveIntegerField(_("concepts created"), default=0)
    updated = models.PositiveIntegerField(_("concepts updated"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    QUEUED_STATUS = Status.QUEUED
    RUNNING_STATUS = Status.RUNNING

    class Meta:
        verbose_name = _("scheme import")
        verbose_name_plural = _("scheme imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.scheme_code} ← {self.file_name} ({self.status})"

    def requeue(self) -> None:
        # The import is one transaction: a stopped worker wrote nothing, running it again is safe.
        from territoria.taxonomy.tasks import import_scheme_file

        import_scheme_file.enqueue(self.pk)

    def abandon(self) -> None:
        self.status, self.finished_at = self.Status.FAILED, timezone.now()
        self.problems = [
            gettext(
                "The worker running this import stopped before finishing it (%(attempts)d "
                "attempts); nothing was written. Upload the file again; if it stops again, "
                "the administrator will find the cause in the worker's log."
            )
            % {"attempts": self.attempts}
        ]
        self.save(update_fields=["status", "finished_at", "problems", "lease_expires_at"])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
