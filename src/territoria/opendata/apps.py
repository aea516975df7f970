from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from territoria.opendata import sqlite_percentile


class OpendataConfig(AppConfig):
    name = "territoria.opendata"
    label = "opendata"
    verbose_name = _("Open Data")

    def ready(self) -> None:
        # Each domain app declares its published datasets in its own `datasets.py`.
        autodiscover_modules("datasets")
        # ODSQL's percentile() on SQLite, which has no such aggregate of its own.
        connection_created.connect(
            sqlite_percentile.register, dispatch_uid="odsql_percentile_sqlite"
        )
