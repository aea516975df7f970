"""Strategy actions as a taxonomy container: audiences, types and themes select them."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoria.strategy.models import Action, Programme, Strategy
from territoria.taxonomy.containers import Container, register
from territoria.taxonomy.index import watch


def public_actions() -> Any:
    return Action.objects.exclude(programme__strategy__status=Strategy.Status.DRAFT)


def describe_action(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "name": action.title,
        "enterprise_number": None,
        "programme": action.programme.name,
        "status": action.status,
        "url": action.get_absolute_url(),
    }


def browse_actions(code: str) -> str:
    default = (
        Strategy.objects.filter(is_default=True)
        .exclude(status=Strategy.Status.DRAFT)
        .values_list("code", flat=True)
        .first()
    )
    if default is None:
        return reverse("strategy:index")
    return f"{reverse('strategy:actions', args=[default])}?{urlencode({'c': code})}"


register(
    Container(
        code="action",
        model=Action,
        label=_("strategy actions"),
        public_queryset=public_actions,
        describe=describe_action,
        csv_columns=("id", "name", "programme", "status"),
        related=("programme",),
        heavy_fields=("description",),
        browse_url=browse_actions,
    )
)
# Which actions are public follows their version's status and their programme's version.
watch(Strategy)
watch(Programme)
