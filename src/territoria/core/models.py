"""Users with their role, and the append-only audit log."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Agency staff")
    APPLICANT = "applicant", _("Applicant")
    EXPERT = "expert", _("Expert company")
    EVALUATOR = "evaluator", _("Evaluator")


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
            if app_label in settings.STAFF_MANAGED_APPS or perm == "core.view_auditentry":
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
