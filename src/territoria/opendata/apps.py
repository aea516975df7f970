from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "territoria.opendata"
    label = "opendata"
    verbose_name = _("Open Data")

    def ready(self) -> None:
        # Each domain app declares its published datasets in its own `datasets.py`.
        autodiscover_modules("datasets")
