"""Forms of the application steps."""

from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from territoria.calls.models import Application, DocumentRequirement, SurveyAnswer
from territoria.ecosystem.models import Organisation
from territoria.taxonomy.models import Concept


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ("title", "summary", "needs", "requested_amount")
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "needs": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "summary", "requested_amount"):
            self.fields[name].required = True
        # Belgian writing: 1.500,50 or 1500,50 as well as 1500.50.
        self.fields["requested_amount"].localize = True
        self.fields["requested_amount"].widget.is_localized = True
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


class DocumentForm(forms.Form):
    requirement = forms.ModelChoiceField(
        queryset=DocumentRequirement.objects.none(),
        required=False,
        label=_("Document"),
        empty_label=_("another document"),
    )
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, Word (DOCX) or Excel (XLSX), 10 MB at most.")
    )

    def __init__(self, application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["requirement"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = application.call.required_documents.all()


class SurveyForm(forms.ModelForm):
    class Meta:
        model = SurveyAnswer
        fields = (
            "improved_competitiveness", "improved_quality", "would_recommend", "reached_production",
            "investment_before", "investment_after", "jobs_created",
        )  # fmt: skip


class ExpertForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Company"))
    offer = forms.CharField(label=_("Your AI offer"), widget=forms.Textarea(attrs={"rows": 5}))
    references = forms.CharField(
        label=_("References (projects, clients)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    languages = forms.CharField(label=_("Languages"), initial="fr", max_length=40)
    technologies = forms.ModelMultipleChoiceField(
        queryset=Concept.objects.filter(scheme__code="technology"),
        label=_("Technologies"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.ModelMultipleChoiceField(
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("offer", "references", "languages"):
            if "\x00" in str(data.get(name, "")):
                self.add_error(name, _("The text holds a character that cannot be stored."))
        return data
