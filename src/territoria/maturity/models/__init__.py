"""Digital-maturity questionnaires and the assessments taken with them.

A questionnaire (the Digiscore, the EU DMA for SMEs or for public bodies) is versioned:
staff edit a draft; once published, a version is frozen, since assessments were scored
with it. Its maturity levels are bands of the 0–100 score that staff may edit at any
time (a level is read from the score when shown). Import and export as JSON go through
`definition.py` and `services`.

An assessment keeps its answers as JSON (see `scoring.py`), and once completed its
scores, with what the peer comparison and the barometer group by: the year, the NACE
section, the size class and the province.

A package of four modules: `questionnaires`, `assessments`, `published` (the barometer's
years, the laureates' cohorts) and `advice` (the report's rules).
"""

from territoria.maturity.models.advice import Recommendation
from territoria.maturity.models.assessments import Assessment, DimensionScore, hash_key
from territoria.maturity.models.published import (
    BarometerYear,
    Benchmark,
    ProgressCohort,
    ProgressTotal,
)
from territoria.maturity.models.questionnaires import (
    Dimension,
    Level,
    Option,
    Question,
    Questionnaire,
)

__all__ = [
    "Assessment",
    "BarometerYear",
    "Benchmark",
    "Dimension",
    "DimensionScore",
    "Level",
    "Option",
    "ProgressCohort",
    "ProgressTotal",
    "Question",
    "Questionnaire",
    "Recommendation",
    "hash_key",
]
