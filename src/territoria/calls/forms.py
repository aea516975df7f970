"""Forms of the application steps."""

from contextlib import suppress
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from territoria.calls.models import (
    HALF_POINTS,
    Application,
    Criterion,
    DocumentRequirement,
    SurveyAnswer,
)
from territoria.calls.services.applications import WorkflowError
from territoria.calls.services.evaluation import parse_score
from territoria.core.fields import AmountField
from territoria.core.i18n import LANGUAGE_CODES, translated
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.forms import ConceptMultipleChoiceField
from territoria.taxonomy.models import Concept


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ("title", "summary", "needs", "requested_amount")
        field_classes = {"requested_amount": AmountField}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "needs": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "summary", "requested_amount"):
            self.fields[name].required = True
        maximum = self.instance.call.max_amount
        self.fields["requested_amount"].help_text = _("At most %s €.") % formats.number_format(
            maximum, 0, force_grouping=True
        )

    def clean_requested_amount(self) -> Any:
        amount = self.cleaned_data["requested_amount"]
        if amount is not None and amount > self.instance.call.max_amount:
            raise forms.ValidationError(
                _("The call grants at most %s € per project.")
                % formats.number_format(self.instance.call.max_amount, 0, force_grouping=True)
            )
        return amount


class SummaryForm(forms.Form):
    """A form whose errors are also listed at the top of the page, each linked to its field."""

    def summary_label(self, name: str) -> str:
        return str(self[name].label)

    def error_summary(self) -> list[tuple[str, str]]:
        """(id of the field or "", message) for each error, in the order of the fields."""
        rows = [("", str(error)) for error in self.non_field_errors()]
        for name in self.fields:
            for error in self.errors.get(name, []):
                rows.append((self[name].id_for_label, f"{self.summary_label(name)} — {error}"))
        return rows


# The document type chosen for a file that answers none of the call's requirements.
OTHER_DOCUMENT = "other"


class DocumentForm(SummaryForm):
    # Chosen deliberately: no type is preselected, "another document" included.
    requirement = forms.ChoiceField(
        label=_("Document type"),
        error_messages={
            "required": _("Choose the document type."),
            "invalid_choice": _("Choose the document type."),
        },
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word (DOCX) or Excel (XLSX), 10 MB at most."),
        error_messages={"required": _("Choose the file to add.")},
    )

    def __init__(self, application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requirements = {str(r.pk): r for r in application.call.required_documents.all()}
        field = self.fields["requirement"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("— choose —")),
            *((pk, translated(r, "label").text) for pk, r in self.requirements.items()),
            (OTHER_DOCUMENT, _("another document")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors and self.files.get("file"):
            # Browsers never fill a file field in again: say so beside it.
            self.add_error("file", _("Choose the file again: it is not kept after an error."))
        return data

    def chosen_requirement(self) -> DocumentRequirement | None:
        """The requirement the file answers; None for another document."""
        return self.requirements.get(self.cleaned_data["requirement"])


class SurveyForm(forms.ModelForm):
    class Meta:
        model = SurveyAnswer
        fields = (
            "improved_competitiveness", "improved_quality", "would_recommend", "reached_production",
            "investment_before", "investment_after", "jobs_created",
        )  # fmt: skip
        field_classes = {"investment_before": AmountField, "investment_after": AmountField}


class ExpertForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Company"))
    offer = forms.CharField(label=_("Your AI offer"), widget=forms.Textarea(attrs={"rows": 5}))
    references = forms.CharField(
        label=_("References (projects, clients)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        initial=["fr"],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language.")},
    )
    technologies = ConceptMultipleChoiceField(
        queryset=Concept.objects.filter(scheme__code="technology"),
        label=_("Technologies"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = ConceptMultipleChoiceField(
        # The provinces: the regions an expert serves.
        queryset=Concept.objects.filter(
            scheme__code="territory", parent__parent__isnull=True
        ).exclude(parent__isnull=True),
        label=_("Regions served"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, organisations: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
        languages = self.fields["languages"]
        assert isinstance(languages, forms.MultipleChoiceField)
        # Named in the page's language, stored as codes ("fr, nl").
        languages.choices = [
            (code, get_language_info(code)["name_translated"]) for code in LANGUAGE_CODES
        ]

    def clean_languages(self) -> str:
        return ", ".join(self.cleaned_data["languages"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("offer", "references"):
            if "\x00" in str(data.get(name, "")):
                self.add_error(name, _("The text holds a character that cannot be stored."))
        return data


class ScoresForm(SummaryForm):
    """An evaluator's sheet: a score and a comment per criterion, and an overall comment.

    Saving keeps what is given; submitting (`final`) needs a score on every criterion.
    """

    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, criteria: list[Criterion], *args: Any, final: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.criteria, self.final = criteria, final
        # Sent as 4.5, shown as the page's language writes it (4,5 in French).
        points = [(f"{value:.1f}", formats.number_format(value, 1)) for value in HALF_POINTS]
        for criterion in criteria:
            self.fields[f"score-{criterion.pk}"] = forms.CharField(
                label=_("Score (0 to 5)"),
                required=False,
                widget=forms.Select(
                    choices=[("", "—"), *points],
                    attrs={"data-weight": str(criterion.weight)},
                ),
            )
            self.fields[f"comment-{criterion.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # The overall comment comes last, after the grid.
        self.fields["comment"] = self.fields.pop("comment")

    def summary_label(self, name: str) -> str:
        for criterion in self.criteria:
            if name.endswith(f"-{criterion.pk}"):
                return f"{translated(criterion, 'title').text} — {self[name].label}"
        return super().summary_label(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for criterion in self.criteria:
            name = f"score-{criterion.pk}"
            raw = data.get(name, "")
            if raw:
                try:
                    data[name] = parse_score(raw)
                except WorkflowError as refusal:
                    self.add_error(name, str(refusal))
            elif self.final:
                self.add_error(name, _("Give a score before submitting."))
        return data

    def scores(self) -> dict[int, tuple[Decimal, str]]:
        """Criterion id → (score, comment), for the criteria given a score."""
        return {
            c.pk: (self.cleaned_data[f"score-{c.pk}"], self.cleaned_data[f"comment-{c.pk}"])
            for c in self.criteria
            if self.cleaned_data.get(f"score-{c.pk}")
        }

    def values(self) -> dict[int, Decimal]:
        """The scores as they stand on the page, typed or saved, that are scores."""
        values: dict[int, Decimal] = {}
        for criterion in self.criteria:
            raw = self[f"score-{criterion.pk}"].value()
            if raw:
                with suppress(WorkflowError):
                    values[criterion.pk] = parse_score(str(raw))
        return values


class ReportForm(SummaryForm):
    """The chosen expert's coaching report and action plan."""

    report = forms.CharField(
        label=_("Coaching report"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    action_plan = forms.CharField(
        label=_("Action plan"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )


class ConsensusForm(ScoresForm):
    """The moderator's consensus: a score on every criterion and a comment; refused, the page
    comes back as typed, each missing score marked."""

    def __init__(self, criteria: list[Criterion], *args: Any, **kwargs: Any) -> None:
        super().__init__(criteria, *args, final=True, **kwargs)
        for criterion in criteria:
            del self.fields[f"comment-{criterion.pk}"]
        self.fields["comment"].label = _("Consensus comment")

    def values(self) -> dict[int, Decimal]:
        """Criterion id → the consensus score."""
        return {c.pk: self.cleaned_data[f"score-{c.pk}"] for c in self.criteria}
