from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaturityConfig(AppConfig):
    name = "territoria.maturity"
    label = "maturity"
    verbose_name = _("Digital maturity")

    def ready(self) -> None:
        from territoria.calls.services.impact import Section, add_section
        from territoria.maturity.views.progress import impact_section

        add_section("maturity-progress", Section("maturity/_impact_progress.html", impact_section))
