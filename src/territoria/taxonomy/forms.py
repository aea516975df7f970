"""Form fields for concepts: people choose among labels; the codes stay for the API."""

from typing import Any

from django import forms


class ConceptMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Concepts offered by their label in the page's language, never by their code."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)
