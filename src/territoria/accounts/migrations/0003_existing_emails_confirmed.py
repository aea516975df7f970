# Accounts made before sign-up existed were created by administrators: their e-mail
# addresses count as confirmed, so that mandatory confirmation locks nobody out.

from django.db import migrations


def confirm_existing(apps, schema_editor):
    User = apps.get_model("core", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    taken = {e.lower() for e in EmailAddress.objects.values_list("email", flat=True)}
    rows = []
    # An address shared by two accounts stays unconfirmed for the second (unique when confirmed).
    for pk, email in User.objects.exclude(email="").order_by("pk").values_list("pk", "email"):
        if pk not in known and email.lower() not in taken:
            taken.add(email.lower())
            rows.append(EmailAddress(user_id=pk, email=email, verified=True, primary=True))
    EmailAddress.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_requests_and_invitations"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("core", "0004_user_language"),
    ]

    operations = [migrations.RunPython(confirm_existing, migrations.RunPython.noop)]
