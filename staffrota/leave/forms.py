"""Forms for leave and sickness. Bad input comes back with a message, never a 500."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from staffrota.leave.engine import REQUESTABLE
from staffrota.leave.models import SicknessReason

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


class LeaveRequestForm(forms.Form):
    leave_type = forms.ChoiceField(
        label="Type of leave",
        choices=[(choice.value, choice.label) for choice in REQUESTABLE],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    start_date = forms.DateField(label="First day", widget=DATE_INPUT)
    end_date = forms.DateField(label="Last day", widget=DATE_INPUT)
    part_day_hours = forms.DecimalField(
        label="Hours, for part of a day",
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        help_text="Leave empty for whole days. For part of one day, make both dates the same.",
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.25"}),
    )
    comment = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day is before the first day. Check the dates.")
        if start and start < timezone.localdate():
            self.add_error(
                "start_date",
                "That date is in the past. Leave can be requested from today onwards; "
                "ask your manager to record past absence.",
            )
        if data.get("part_day_hours") is not None and start and end and start != end:
            self.add_error(
                "part_day_hours", "Part of a day is for one day: make both dates the same."
            )
        return data


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False,
        max_length=500,
        label="Comment for the person",
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text="Required when refusing.",
    )


class BulkApproveForm(forms.Form):
    requests = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={"required": "Tick at least one request to approve."},
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requests"].queryset = queryset
        stale = "One of those requests is no longer waiting for a decision. Refresh the queue."
        self.fields["requests"].error_messages["invalid_choice"] = stale
        self.fields["requests"].error_messages["invalid_pk_value"] = stale


class SicknessForm(forms.Form):
    staff = forms.ModelChoiceField(
        queryset=None, label="Person", widget=forms.Select(attrs={"class": "form-select"})
    )
    start_date = forms.DateField(label="First day off", widget=DATE_INPUT)
    expected_end_date = forms.DateField(
        label="Expected last day off", required=False, widget=DATE_INPUT
    )
    reason = forms.ChoiceField(
        choices=SicknessReason.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    fit_note = forms.BooleanField(label="Fit note received", required=False)
    notes = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].error_messages["invalid_choice"] = "Choose a person from your units."


class SicknessUpdateForm(forms.Form):
    expected_end_date = forms.DateField(
        label="Expected last day off", required=False, widget=DATE_INPUT
    )
    fit_note = forms.BooleanField(label="Fit note received", required=False)
    notes = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class ReturnToWorkForm(forms.Form):
    last_day_off = forms.DateField(widget=DATE_INPUT)
    return_to_work_on = forms.DateField(label="Return-to-work interview on", widget=DATE_INPUT)
    return_notes = forms.CharField(
        label="Interview notes",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )

    def clean(self):
        data = super().clean()
        last, back = data.get("last_day_off"), data.get("return_to_work_on")
        if last and back and back <= last:
            self.add_error("return_to_work_on", "The interview is on or after the day back.")
        return data


class CalendarForm(forms.Form):
    start = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def first_day(self):
        start = self.cleaned_data.get("start") if self.is_valid() else None
        start = start or timezone.localdate()
        return start - timedelta(days=start.weekday())
