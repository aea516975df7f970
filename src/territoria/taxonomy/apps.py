from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "territoria.taxonomy"
    label = "taxonomy"
    verbose_name = _("Taxonomies")

    def ready(self) -> None:
        from territoria.taxonomy.index import watch
        from territoria.taxonomy.models import Concept, ConceptScheme, Tag

        for model in (Tag, Concept, ConceptScheme):
            watch(model)
