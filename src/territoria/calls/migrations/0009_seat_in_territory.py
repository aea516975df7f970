"""A call's seat rule becomes a place of the territory scheme instead of a yes/no on a
region written in code: the calls that required a seat in the region now require it in
the region's concept (the profile's `region_concept`, else the scheme's single root)."""

import django.db.models.deletion
from django.db import migrations, models


def _region(apps):
    Concept = apps.get_model("taxonomy", "Concept")
    TerritoryProfile = apps.get_model("core", "TerritoryProfile")
    concepts = Concept.objects.filter(scheme__code="territory")
    row = TerritoryProfile.objects.first()
    if row is not None:
        notation = row.region_concept
    else:
        from territoria.core import territory

        notation = territory.configured().region_concept
    region = concepts.filter(notation=notation).first()
    if region is None:
        roots = list(concepts.filter(parent=None)[:2])
        region = roots[0] if len(roots) == 1 else None
    return region


def seat_in_region(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    required = Call.objects.filter(requires_walloon_seat=True)
    if not required.exists():
        return
    region = _region(apps)
    if region is None:
        # Dropping the rule would let ineligible organisations apply: stop instead.
        raise RuntimeError(
            "Calls require a seat in the region, but the territory scheme has no concept for "
            "the region: load the territory profile and the reference schemes, then migrate."
        )
    required.update(seat_in=region)


def seat_anywhere(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    Call.objects.filter(seat_in__isnull=False).update(requires_walloon_seat=True)
    Call.objects.filter(seat_in__isnull=True).update(requires_walloon_seat=False)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0008_survey_jobs_bound"),
        ("core", "0006_territory_profile"),
        ("taxonomy", "0006_scheme_import_lease"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="seat_in",
            field=models.ForeignKey(
                blank=True,
                help_text="Checked on the organisation's municipality (or the municipality of "
                "its postcode). Empty: an organisation may apply wherever its seat is.",
                limit_choices_to={"scheme__code": "territory"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="taxonomy.concept",
                verbose_name="seat required in",
            ),
        ),
        migrations.RunPython(seat_in_region, seat_anywhere),
        migrations.RemoveField(model_name="call", name="requires_walloon_seat"),
    ]
