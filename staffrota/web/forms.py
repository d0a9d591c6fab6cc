from datetime import timedelta

from django import forms
from django.utils import timezone


class RotaPeriodForm(forms.Form):
    """Which week(s) of the rota to show. Bad values fall back with a message, never a 500."""

    start = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label="Week starting")
    weeks = forms.TypedChoiceField(
        choices=[(1, "1 week"), (4, "4 weeks")], coerce=int, required=False, empty_value=1
    )

    def period(self) -> tuple:
        """The Monday to start from and the number of days, from clean data or defaults."""
        today = timezone.localdate()
        start = self.cleaned_data.get("start") if self.is_valid() else None
        weeks = (self.cleaned_data.get("weeks") if self.is_valid() else None) or 1
        start = start or today
        start -= timedelta(days=start.weekday())
        return start, weeks * 7
