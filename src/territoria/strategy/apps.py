from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategyConfig(AppConfig):
    name = "territoria.strategy"
    label = "strategy"
    verbose_name = _("Strategy")

    def ready(self) -> None:
        from territoria.strategy import containers  # noqa: F401  (registers the container)
