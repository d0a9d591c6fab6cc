from django import forms

from staffrota.organisation.models import CareHome

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("staff", "Staff"), ("rota", "Rota (shifts)")],
        label="What the file holds",
        help_text="Import staff first: rota rows name people by their SAP number.",
    )
    home = forms.ModelChoiceField(queryset=CareHome.objects.none(), label="Care home")
    file = forms.FileField(label="Spreadsheet (.csv or .xlsx)")

    def __init__(self, *args, home_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = CareHome.objects.filter(pk__in=home_ids)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is over 10 MB; split it into smaller files.")
        if not upload.name.lower().endswith((".csv", ".xlsx", ".xlsm")):
            raise forms.ValidationError("Upload a .csv or .xlsx file.")
        return upload
