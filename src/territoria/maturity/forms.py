"""Reading a questionnaire step from a posted form, and showing it back.

The step's questions are drawn by the template as fieldsets (one per question, a legend
for its text), so each question and grid row is a plain group of radio buttons or
checkboxes a screen reader announces with its question. This module turns the posted
fields into answers for `services.assessments.answer`, and an assessment's answers
(or what was just typed) into what the template ticks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from territoria.core.i18n import current_language
from territoria.ecosystem.profile import Profile
from territoria.maturity.definition import SCALE_TOP, Dimension, Question, Texts

SECTIONS = [(letter, letter) for letter in "ABCDEFGHIJKLMNOPQRSTU"]
# A grid row's answers as shown, best first (`definition.GRID_ANSWERS` scores them).
GRID_WORDS = {"yes": _("yes"), "partly": _("partly"), "no": _("no")}


def text(texts: Texts) -> str:
    """A questionnaire's text in the page's language, French failing that."""
    return texts.get(current_language()) or texts.get("fr", "")


def row_field(question: Question, row: str) -> str:
    return f"{question.code}.{row}"


def input_id(*codes: str) -> str:
    """An element id from codes joined by "_", which no code holds: ("tools", "crm-cloud")
    and ("tools-crm", "cloud") never give the same id."""
    return "_".join(codes)


def posted_answers(dimension: Dimension, data: QueryDict) -> tuple[dict[str, Any], list[str]]:
    """The step's answers as posted, and the codes of the questions left unanswered."""
    answers: dict[str, Any] = {}
    unanswered: list[str] = []
    for question in dimension.questions:
        if question.kind == "checklist":
            ticked = data.getlist(question.code)
            if ticked or data.get(f"{question.code}.shown"):
                answers[question.code] = ticked
            else:
                unanswered.append(question.code)
        elif question.kind == "grid":
            rows = {o.code: data.get(row_field(question, o.code), "") for o in question.options}
            if all(rows.values()):
                answers[question.code] = rows
            else:
                unanswered.append(question.code)
        else:
            value = data.get(question.code, "")
            if value == "":
                unanswered.append(question.code)
            elif question.kind == "scale":
                # ASCII digits only ("²" passes isdigit() and int() refuses it), and few:
                # anything else is kept as typed and refused by name.
                whole = value.isascii() and value.isdigit() and len(value) <= 3
                answers[question.code] = int(value) if whole else value
            else:
                answers[question.code] = value
    return answers, unanswered


def half_grids(dimension: Dimension, data: QueryDict) -> dict[str, dict[str, str]]:
    """The grids posted with some rows picked and others not: not an answer (a grid is
    scored whole), but what was typed, shown again when the step is refused."""
    found = {}
    for question in dimension.questions:
        if question.kind == "grid":
            rows = {o.code: data.get(row_field(question, o.code), "") for o in question.options}
            picked = {row: value for row, value in rows.items() if value}
            if picked and len(picked) < len(rows):
                found[question.code] = picked
    return found


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    checked: bool


@dataclass
class ShownQuestion:
    """A question as the template draws it: its texts, its choices ticked as answered."""

    question: Question
    error: str = ""
    choices: list[Choice] = field(default_factory=list)
    # Grid rows: the field's name, the row's label, its id, its answers.
    rows: list[tuple[str, str, str, list[Choice]]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def text(self) -> str:
        return text(self.question.text)

    @property
    def help(self) -> str:
        return text(self.question.help)


def shown_questions(
    dimension: Dimension, values: dict[str, Any], errors: dict[str, str]
) -> list[ShownQuestion]:
    """The step's questions with the values to show (saved, or just typed) and errors."""
    shown = []
    for question in dimension.questions:
        value = values.get(question.code)
        item = ShownQuestion(question, errors.get(question.code, ""))
        if question.kind == "grid":
            picked = value if isinstance(value, dict) else {}
            item.rows = [
                (
                    row_field(question, o.code),
                    text(o.label),
                    input_id(question.code, o.code),
                    [
                        Choice(code, str(word), picked.get(o.code) == code)
                        for code, word in GRID_WORDS.items()
                    ],
                )
                for o in question.options
            ]
        elif question.kind == "scale":
            low, high = text(question.low), text(question.high)
            words = {0: f"0 – {low}", SCALE_TOP: f"{SCALE_TOP} – {high}"}
            item.choices = [
                Choice(str(n), words.get(n, str(n)), str(value) == str(n))
                for n in range(SCALE_TOP + 1)
            ]
        else:
            ticked = value if isinstance(value, list) else [value]
            item.choices = [
                Choice(o.code, text(o.label), o.code in ticked) for o in question.options
            ]
        shown.append(item)
    return shown


class StartForm(forms.Form):
    """Who takes the assessment: an enterprise number, or what the registry would say."""

    enterprise_number = forms.CharField(
        label=_("Enterprise number"),
        required=False,
        max_length=20,
        help_text=_(
            "0123.456.789. Optional: with it, your sector, size and province come from "
            "the register."
        ),
    )
    nace_section = forms.ChoiceField(
        label=_("Sector (NACE section)"),
        required=False,
        choices=[("", _("— not said —")), *SECTIONS],
    )
    size_class = forms.ChoiceField(
        label=_("Size"),
        required=False,
        choices=[
            ("", _("— not said —")),
            ("micro", _("micro (under 10 people)")),
            ("small", _("small (under 50 people)")),
            ("medium", _("medium-sized (under 250 people)")),
            ("large", _("large (250 people or more)")),
        ],
    )

    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(data.get("nace_section", ""), data.get("size_class", ""), "")
