from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "territoria.taxonomy"
    label = "taxonomy"
    verbose_name = _("Taxonomies")

    def ready(self) -> None:
        from territoria.taxonomy.models import Tag
        from territoria.taxonomy.signals import watch

        watch(Tag)
