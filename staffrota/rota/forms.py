from django import forms

from staffrota.leave.models import SicknessReason
from staffrota.organisation.models import JobRole, ShiftType


class CellForm(forms.Form):
    """Which grid cell to edit: a day, and a person or the vacancy row."""

    date = forms.DateField(input_formats=["%Y-%m-%d"])
    staff = forms.IntegerField(required=False, min_value=1)


class AddShiftForm(forms.Form):
    date = forms.DateField(input_formats=["%Y-%m-%d"])
    staff = forms.IntegerField(required=False, min_value=1)
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), label="Shift")
    job_role = forms.ModelChoiceField(queryset=JobRole.objects.all(), label="Role")
    override_reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, home_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift_type"].queryset = ShiftType.objects.filter(care_home_id=home_id)

    def clean_date(self) -> date:
        return self.cleaned_data["date"]


class ShiftActionForm(forms.Form):
    ACTIONS = [
        ("assign", "Assign"),
        ("unassign", "Take off the shift"),
        ("change_type", "Change shift type"),
        ("cancel", "Cancel shift"),
        ("sick", "Mark sick"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    staff = forms.IntegerField(required=False, min_value=1)
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), required=False)
    reason = forms.CharField(required=False, max_length=200)
    override_reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, home_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift_type"].queryset = ShiftType.objects.filter(care_home_id=home_id)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "assign" and not data.get("staff"):
            self.add_error("staff", "Choose who to put on the shift.")
        if action == "change_type" and not data.get("shift_type"):
            self.add_error("shift_type", "Choose the new shift type.")
        if action == "cancel" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the shift is cancelled.")
        if action == "sick" and data.get("reason") not in SicknessReason.values:
            self.add_error("reason", "Choose the kind of sickness.")
        return data


class PublishForm(forms.Form):
    start = forms.DateField(input_formats=["%Y-%m-%d"])
    end = forms.DateField(input_formats=["%Y-%m-%d"])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError("The period ends before it starts.")
            if (data["end"] - data["start"]).days > 62:
                raise forms.ValidationError("Publish at most two months at a time.")
        return data


class AgencyRequestForm(forms.Form):
    agency = forms.CharField(max_length=80, label="Agency")
    hourly_rate = forms.DecimalField(
        max_digits=6, decimal_places=2, min_value=0.01, max_value=500, label="Hourly rate (£)"
    )


class AgencyConfirmForm(forms.Form):
    worker_name = forms.CharField(max_length=80, label="Agency worker's name")


class ExportForm(forms.Form):
    FORMATS = [("csv", "CSV"), ("xlsx", "Excel")]
    start = forms.DateField(input_formats=["%Y-%m-%d"])
    end = forms.DateField(input_formats=["%Y-%m-%d"])
    format = forms.ChoiceField(choices=FORMATS)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError("The period ends before it starts.")
            if (data["end"] - data["start"]).days > 366:
                raise forms.ValidationError("Export at most a year at a time.")
        return data


class SwapProposeForm(forms.Form):
    my_shift = forms.IntegerField(min_value=1, label="My shift")
    their_shift = forms.IntegerField(min_value=1, label="Colleague's shift")
    note = forms.CharField(required=False, max_length=200)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(required=False, max_length=200)


class VacancyFilterForm(forms.Form):
    """Narrows the vacancy list to one unit; only units the user covers are offered."""

    unit = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="All my units",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.care_home.name}: {unit.name}"
        self.fields["unit"].error_messages["invalid_choice"] = (
            "That unit is not one of yours; choose one from the list."
        )
