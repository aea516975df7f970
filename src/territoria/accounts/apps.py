from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "territoria.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from territoria.accounts.services import vouch_for_new_account

        post_save.connect(
            vouch_for_new_account, sender=settings.AUTH_USER_MODEL, dispatch_uid="vouch-email"
        )
