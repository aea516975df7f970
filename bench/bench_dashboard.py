"""Benchmark: the strategy dashboard with 400 actions and 10,000 measurements (generated).

Target (issue "Strategy dashboard"): the dashboard home and a filtered action list,
p95 < 150 ms server time, measured in-process through the whole Django stack
(middleware, view, template) with the test client. Each figure is printed with its
ratio to the target.

    .venv/bin/python bench/bench_dashboard.py [--actions 400] [--measurements 10000] [--runs 60]
"""

import argparse
import datetime
import random
import sys
from decimal import Decimal

from bench_directory import configure, measure

TARGET_MS = 150
CODE = "bench"


def generate(actions: int, measurements: int, seed: int = 20261123) -> None:
    """A strategy of 5 ambitions, 20 programmes, `actions` actions and their figures."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from territoria.strategy.models import (
        Action,
        Ambition,
        Indicator,
        Measurement,
        Programme,
        Strategy,
    )
    from territoria.taxonomy import index
    from territoria.taxonomy.models import Concept, Tag
    from territoria.taxonomy.services.reference import load_reference_schemes

    if Strategy.objects.filter(code=CODE).exists():
        return
    load_reference_schemes()
    rng = random.Random(seed)
    types = list(Concept.objects.filter(scheme__code="action-type"))
    audiences = list(Concept.objects.filter(scheme__code="audience"))
    with transaction.atomic():
        Strategy.objects.filter(is_default=True).update(is_default=False)
        strategy = Strategy.objects.create(
            code=CODE, name="Benchmark", start_year=2016, end_year=2029, status="active",
            is_default=True,
        )  # fmt: skip
        ambitions = Ambition.objects.bulk_create(
            Ambition(strategy=strategy, code=f"a{i}", order=i, title=f"Ambition {i}")
            for i in range(1, 6)
        )
        programmes = Programme.objects.bulk_create(
            Programme(strategy=strategy, ambition=ambitions[i % 5], code=f"p{i}", name=f"Programme {i}")
            for i in range(20)
        )  # fmt: skip
        drafts = []
        for i in range(actions):
            start = datetime.date(2016 + rng.randrange(10), rng.randrange(1, 13), 1)
            drafts.append(
                Action(
                    programme=programmes[i % 20],
                    code=f"act-{i}",
                    title=f"Action {i}",
                    action_type=rng.choice(types),
                    status=rng.choice(["planned", "ongoing", "done"]),
                    start_on=start,
                    end_on=start + datetime.timedelta(days=rng.randrange(90, 1500)),
                    recovery_plan=rng.random() < 0.2,
                    budget=Decimal(rng.randrange(10_000, 5_000_000)),
                )  # fmt: skip
            )
        created = Action.objects.bulk_create(drafts)
        content_type = ContentType.objects.get_for_model(Action)
        Tag.objects.bulk_create(
            Tag(content_type=content_type, object_id=action.pk, concept=concept)
            for action in created
            for concept in {action.action_type, *rng.sample(audiences, rng.randrange(1, 4))}
        )
        per_indicator = 20
        indicators = Indicator.objects.bulk_create(
            Indicator(
                code=f"ind-{i}",
                programme=created[i % len(created)].programme,
                action=created[i % len(created)],
                name=f"Indicator {i}",
                unit="count",
                is_key=i < 40,
                target_value=Decimal(10_000) if i % 3 == 0 else None,
                target_date=datetime.date(2029, 12, 31) if i % 3 == 0 else None,
            )  # fmt: skip
            for i in range(max(1, measurements // per_indicator))
        )
        rows = []
        for indicator in indicators:
            value = rng.randrange(0, 1000)
            for step in range(per_indicator):
                value += rng.randrange(0, 300)
                day = datetime.date(2016, 1, 31) + datetime.timedelta(days=91 * step)
                rows.append(
                    Measurement(
                        indicator=indicator,
                        measured_on=day,
                        value=value,
                        source_url="https://example.org/bench",
                    )  # fmt: skip
                )
        Measurement.objects.bulk_create(rows[:measurements], batch_size=2000)
        index.bump()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=400)
    parser.add_argument("--measurements", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    configure()
    generate(args.actions, args.measurements)

    from django.test import Client

    from territoria.strategy.models import Action, Measurement

    print(
        f"actions: {Action.objects.filter(programme__strategy__code=CODE).count():,}  "
        f"measurements: {Measurement.objects.filter(indicator__programme__strategy__code=CODE).count():,}"
    )
    client = Client()

    def page(url, params=None, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}

        def call():
            response = client.get(url, params or {}, headers=headers)
            assert response.status_code == 200, response.status_code

        return call

    filters = {
        "ambition": "a2",
        "c": ["audience:companies", "action-type:call-for-projects"],
        "status": "ongoing",
        "from": "2020-01-01",
        "to": "2024-12-31",
    }
    results = [
        measure("dashboard home (5 ambitions, 40 key indicators)", page("/dashboard/"), args.runs, TARGET_MS),
        measure("action list, no filter (400 rows)", page(f"/dashboard/{CODE}/actions/"), args.runs, TARGET_MS),
        measure(
            "action list, ambition + 2 concepts + status + dates",
            page(f"/dashboard/{CODE}/actions/", filters),
            args.runs,
            TARGET_MS,
        ),
        measure(
            "action list fragment (HTMX), same filters",
            page(f"/dashboard/{CODE}/actions/", filters, htmx=True),
            args.runs,
            TARGET_MS,
        ),
        measure("steering page (all targeted indicators)", page(f"/dashboard/{CODE}/steering/"), args.runs, TARGET_MS),
        measure(
            "filtered CSV download",
            page(f"/dashboard/{CODE}/actions.csv", filters),
            args.runs,
            TARGET_MS,
        ),
    ]  # fmt: skip
    missed = [r for r in results if r["p95_ms"] >= r["target_ms"]]
    print(f"\n{len(results) - len(missed)}/{len(results)} figures meet their target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
