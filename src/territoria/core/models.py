"""Users with their role, and the append-only audit log."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import translations

if TYPE_CHECKING:
    from territoria.core.territory import Territory


class Role(models.TextChoices):
    STAFF = "staff", _("Agency staff")
    APPLICANT = "applicant", _("Applicant")
    EXPERT = "expert", _("Expert company")
    EVALUATOR = "evaluator", _("Evaluator")


# What staff may do with the platform's own models (the rest of `core` is for superusers).
STAFF_CORE_PERMISSIONS = {
    "core.view_auditentry",
    "core.view_territoryprofile",
    "core.change_territoryprofile",
}


class User(AbstractUser):
    """An account. The anonymous public has none; every account has one role."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the e-mails the platform sends."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Staff work in the back office, so the role and Django's flag go together.
        if self.role == Role.STAFF:
            self.is_staff = True
        elif not self.is_superuser:
            self.is_staff = False
        super().save(*args, **kwargs)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # Staff keep the domain data; accounts stay with superusers.
        if self.is_active and self.role == Role.STAFF:
            app_label = perm.split(".", 1)[0]
            if app_label in settings.STAFF_MANAGED_APPS or perm in STAFF_CORE_PERMISSIONS:
                return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if (
            self.is_active
            and self.role == Role.STAFF
            and (app_label in settings.STAFF_MANAGED_APPS or app_label == "core")
        ):
            return True
        return super().has_module_perms(app_label)


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly(_("Audit entries cannot be changed."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(_("Audit entries cannot be deleted."))


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEntry(models.Model):
    """One change of state: who did what to which object, with the values before and after.

    Rows are only ever inserted: the model, its queryset and database triggers
    (see the migration) refuse updates and deletes.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly(_("Audit entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(_("Audit entries cannot be deleted."))


def _check_brand_colour(value: str) -> None:
    from django.core.exceptions import ValidationError

    from territoria.core.territory import ProfileError, check_colour

    try:
        check_colour(str(_("colour")), value)
    except ProfileError as error:
        raise ValidationError(str(error)) from None


class TerritoryProfile(models.Model):
    """The region this platform serves (`core.territory`), copied from its profile file by
    `load_territory` and edited by staff. At most one row."""

    code = models.SlugField(_("code"), max_length=50)
    source = models.CharField(
        _("profile file"),
        max_length=500,
        help_text=_("Its folder holds the territory scheme, the places and the outline."),
    )
    name = models.CharField(_("name of the region"), max_length=200)
    name_nl, name_de, name_en = translations(name)
    nuts = models.CharField(_("NUTS code"), max_length=10)
    region_concept = models.CharField(
        _("region's concept"),
        max_length=100,
        help_text=_("Notation of the region in the territory scheme."),
    )
    west = models.FloatField(_("west"))
    south = models.FloatField(_("south"))
    east = models.FloatField(_("east"))
    north = models.FloatField(_("north"))
    centroid_longitude = models.FloatField(_("centroid longitude"))
    centroid_latitude = models.FloatField(_("centroid latitude"))
    publisher = models.CharField(_("publisher"), max_length=200)
    publisher_nl, publisher_de, publisher_en = translations(publisher)
    publisher_url = models.URLField(_("publisher's website"), blank=True)
    publisher_email = models.EmailField(_("publisher's e-mail"))
    publisher_address = models.TextField(_("publisher's address"), blank=True)
    programme = models.CharField(_("programme"), max_length=200)
    programme_nl, programme_de, programme_en = translations(programme)
    strategy = models.CharField(_("strategy"), max_length=200)
    strategy_nl, strategy_de, strategy_en = translations(strategy)
    colour_primary = models.CharField(
        _("primary colour"), max_length=7, validators=[_check_brand_colour]
    )
    colour_accent = models.CharField(
        _("accent colour"), max_length=7, validators=[_check_brand_colour]
    )
    logo_svg = models.TextField(_("logo (SVG)"))
    tiles_url = models.CharField(
        _("map tiles"),
        max_length=300,
        blank=True,
        help_text=_("An XYZ template ({z}/{x}/{y}); empty: maps without a background."),
    )
    tiles_attribution = models.CharField(_("map tiles' attribution"), max_length=300, blank=True)
    credits = models.TextField(_("sources of the places"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("territory profile")
        verbose_name_plural = _("territory profile")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        from territoria.core import territory

        self.pk = 1  # one profile
        super().save(*args, **kwargs)
        territory.forget()

    def clean(self) -> None:
        """The bounding box as the maps need it (they divide by its width and height)."""
        from django.core.exceptions import ValidationError

        errors = {}
        west, south, east, north = self.west, self.south, self.east, self.north
        if None not in (west, east) and not -180 <= west < east <= 180:
            errors["east"] = _("West must be less than east, both between -180 and 180.")
        if None not in (south, north) and not -90 <= south < north <= 90:
            errors["north"] = _("South must be less than north, both between -90 and 90.")
        if errors:
            raise ValidationError(errors)

    def as_territory(self) -> "Territory":
        from pathlib import Path

        from territoria.core.territory import LANGUAGES, Territory, configured

        def texts(field: str) -> dict[str, str]:
            return {
                code: getattr(self, field if code == "fr" else f"{field}_{code}")
                for code in LANGUAGES
            }

        base = configured()
        folder = Path(self.source).parent
        if not (folder / "territory.csv").exists():
            folder = base.folder  # moved since it was loaded: the configured one
        return Territory(
            code=self.code,
            folder=folder,
            names=texts("name"),
            nuts=self.nuts,
            region_concept=self.region_concept,
            bbox=(self.west, self.south, self.east, self.north),
            centroid=(self.centroid_longitude, self.centroid_latitude),
            languages=base.languages,
            default_language=base.default_language,
            publisher_names=texts("publisher"),
            publisher_url=self.publisher_url,
            publisher_email=self.publisher_email,
            publisher_address=self.publisher_address,
            programme_names=texts("programme"),
            strategy_names=texts("strategy"),
            colours={"primary": self.colour_primary, "accent": self.colour_accent},
            logo_svg=self.logo_svg,
            tiles_url=self.tiles_url,
            tiles_attribution=self.tiles_attribution,
            credits=self.credits,
            scheme_file=folder / "territory.csv",
        )

    @classmethod
    def from_territory(cls, territory: "Territory", source: str) -> "TerritoryProfile":
        row = cls(pk=1, source=source)
        for field, texts in (
            ("name", territory.names),
            ("publisher", territory.publisher_names),
            ("programme", territory.programme_names),
            ("strategy", territory.strategy_names),
        ):
            for code, text in texts.items():
                setattr(row, field if code == "fr" else f"{field}_{code}", text)
        row.code, row.nuts, row.region_concept = (
            territory.code,
            territory.nuts,
            territory.region_concept,
        )
        row.west, row.south, row.east, row.north = territory.bbox
        row.centroid_longitude, row.centroid_latitude = territory.centroid
        row.publisher_url, row.publisher_email = territory.publisher_url, territory.publisher_email
        row.publisher_address = territory.publisher_address
        row.colour_primary, row.colour_accent = (
            territory.colours["primary"],
            territory.colours["accent"],
        )
        row.logo_svg, row.tiles_url = territory.logo_svg, territory.tiles_url
        row.tiles_attribution, row.credits = territory.tiles_attribution, territory.credits
        return row
