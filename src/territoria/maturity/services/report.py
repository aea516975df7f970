"""An assessment's report, as the page and the PDF both show it: scores and levels, the
peers' means, strengths and weaknesses, progress since the previous assessment and the
advice."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from territoria.maturity.charts import Row
from territoria.maturity.definition import Definition
from territoria.maturity.forms import text
from territoria.maturity.models import Assessment, Level
from territoria.maturity.scoring import level_of
from territoria.maturity.services.assessments import definition
from territoria.maturity.services.peers import PeerGroup, peer_group
from territoria.maturity.services.recommendations import Advice, advise


@dataclass(frozen=True)
class Change:
    label: str
    before: float
    now: float

    @property
    def change(self) -> float:
        return round(self.now - self.before, 1)


@dataclass(frozen=True)
class Progress:
    since: datetime.datetime
    rows: list[Change]
    overall: Change


@dataclass(frozen=True)
class Report:
    assessment: Assessment
    title: str
    rows: list[Row]
    level: Level
    levels: list[Level]
    peers: PeerGroup | None
    strongest: list[Row]
    weakest: list[Row]
    progress: Progress | None
    advice: list[Advice]

    @property
    def peers_text(self) -> str:
        return peers_sentence(self.peers)


# What the report says of its comparison, per scope of the group it found.
_PEERS = {
    "section-size": gettext_noop(
        "Compared with %(count)s organisations of the same sector (NACE section %(section)s) "
        "and size (%(size)s) in the %(year)s barometer: their mean is %(mean)s."
    ),
    "section": gettext_noop(
        "The %(year)s barometer does not show your sector and size together: compared with "
        "%(count)s organisations of the same sector (NACE section %(section)s), whose mean "
        "is %(mean)s."
    ),
    "size": gettext_noop(
        "The %(year)s barometer does not show your sector: compared with %(count)s "
        "organisations of the same size (%(size)s), whose mean is %(mean)s."
    ),
    "everyone": gettext_noop(
        "The %(year)s barometer does not show organisations like yours: compared with all "
        "%(count)s respondents, whose mean is %(mean)s."
    ),
}


def peers_sentence(peers: PeerGroup | None) -> str:
    if peers is None:
        return _(
            "No closed year of the barometer has enough respondents yet: no comparison is shown."
        )
    found = _(_PEERS[peers.scope]) % {
        "count": formats.number_format(peers.respondents, force_grouping=True),
        "section": peers.nace_section,
        "size": peers.size_class,
        "year": peers.year,
        "mean": formats.number_format(peers.overall, 1),
    }
    rule = _("A group is shown only with at least five organisations, and a year once it is over.")
    return f"{found} {rule}"


def report(
    assessment: Assessment, now: datetime.datetime | None = None, spec: Definition | None = None
) -> Report:
    """The report of a completed assessment (`spec`: its definition, if already read)."""
    spec = spec or definition(assessment)
    levels = list(assessment.questionnaire.levels.all())
    peers = peer_group(assessment)
    rows = [
        Row(
            label=text(d.label),
            score=assessment.scores.get(d.code, 0),
            peers=peers.dimensions.get(d.code) if peers is not None else None,
        )
        for d in spec.dimensions
    ]
    ranked = sorted(rows, key=lambda row: row.score)
    return Report(
        assessment=assessment,
        title=text(spec.title),
        rows=rows,
        level=level_of(levels, float(assessment.overall or 0)),
        levels=levels,
        peers=peers,
        strongest=list(reversed(ranked[-2:])),
        weakest=ranked[:2],
        progress=_progress(assessment, spec),
        advice=advise(assessment, spec, now),
    )


def _progress(assessment: Assessment, spec: Definition) -> Progress | None:
    """The assessment it follows (T0) beside it (T1), dimension by dimension, on the
    dimensions both have."""
    earlier: Any = assessment.follows
    if earlier is None or not earlier.is_completed:
        return None
    rows = [
        Change(text(d.label), float(earlier.scores[d.code]), float(assessment.scores[d.code]))
        for d in spec.dimensions
        if d.code in earlier.scores and d.code in assessment.scores
    ]
    overall = Change(_("Overall"), float(earlier.overall or 0), float(assessment.overall or 0))
    return Progress(earlier.completed_at, rows, overall)
