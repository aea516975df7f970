from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "territoria.taxonomy"
    label = "taxonomy"
    verbose_name = _("Taxonomies")

    def ready(self) -> None:
        from territoria.taxonomy.index import watch, watch_tags
        from territoria.taxonomy.models import Concept, ConceptScheme

        watch_tags()
        for model in (Concept, ConceptScheme):
            watch(model)
