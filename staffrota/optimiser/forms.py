from datetime import timedelta

from django import forms
from django.utils import timezone

from staffrota.optimiser.models import MAX_WEEKS


class RunForm(forms.Form):
    target = forms.ChoiceField(label="Unit or home")
    start = forms.DateField(label="First day", input_formats=["%Y-%m-%d"])
    weeks = forms.IntegerField(
        label="Weeks",
        min_value=1,
        max_value=MAX_WEEKS,
        error_messages={
            "min_value": "Generate at least 1 week.",
            "max_value": f"Generate at most {MAX_WEEKS} weeks at a time.",
            "invalid": "Give the number of weeks as a whole number from 1 to 6.",
        },
    )

    def __init__(self, *args, targets: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets
        self.fields["target"].error_messages["invalid_choice"] = (
            "Choose one of your units or homes from the list."
        )
        today = timezone.localdate()
        self.fields["start"].initial = today + timedelta(days=7 - today.weekday())
        self.fields["weeks"].initial = 4

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start < timezone.localdate():
            raise forms.ValidationError("The rota cannot start in the past.")
        return start
