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
        start = self.cleaned_data.get("start") if self.is_valid() else None
        weeks = (self.cleaned_data.get("weeks") if self.is_valid() else None) or 1
        return self.default_period(start, weeks)

    @staticmethod
    def default_period(start=None, weeks: int = 1) -> tuple:
        """The period shown without (or with unreadable) choices: this week. Pages opened
        without a query string use it without building the form."""
        start = start or timezone.localdate()
        start -= timedelta(days=start.weekday())
        return start, weeks * 7
