"""Forms of the dashboard: comparing two versions, uploading measurements."""

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from territoria.strategy.models import Strategy

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class CompareForm(forms.Form):
    left = forms.ModelChoiceField(
        queryset=Strategy.objects.none(), to_field_name="code", label=_("Version")
    )
    right = forms.ModelChoiceField(
        queryset=Strategy.objects.none(), to_field_name="code", label=_("compared with")
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        strategies = Strategy.objects.all()
        if not request.user.is_staff:
            strategies = strategies.exclude(status=Strategy.Status.DRAFT)
        for name in ("left", "right"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = strategies

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("left") and data.get("left") == data.get("right"):
            raise forms.ValidationError(_("Choose two different versions."))
        return data


class MeasurementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of measurements"),
        help_text=_(
            "Columns: indicator, date, value, source_url (or source_publication), and "
            "optionally unit and note. Separated by ; or , — UTF-8."
        ),
    )

    file_name = ""
    text = ""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // 2**20}
            )
        try:
            self.text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                _("The file is not UTF-8 text (byte %(at)d).") % {"at": error.start}
            ) from None
        if "\x00" in self.text:
            raise forms.ValidationError(_("The file is not a text CSV file."))
        self.file_name = upload.name or "measurements.csv"
        return upload
