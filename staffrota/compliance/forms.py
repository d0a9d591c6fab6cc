"""Forms: choices limited to what the user may see, messages that say what to fix."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from staffrota.compliance.models import IncidentCategory, IncidentStatus, Severity
from staffrota.compliance.queries import SUMMARY_DIMENSIONS, SUPERVISION_INTERVAL, staff_visible
from staffrota.compliance.services import IMPORT_MAX_ROWS
from staffrota.organisation.models import CareHome, RegistrationBody, StaffMember, Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.sap_number}, {obj.home_unit.name})"


class ScopeFilterForm(forms.Form):
    """Narrow a page to one home or one unit the user may see. Bad values fall back to all."""

    home = forms.ModelChoiceField(
        queryset=CareHome.objects.none(),
        required=False,
        empty_label="All my homes",
        widget=forms.Select(attrs=SELECT),
    )
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        empty_label="All my units",
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access
        self.fields["home"].queryset = CareHome.objects.filter(pk__in=access.home_ids)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=access.unit_ids).select_related(
            "care_home"
        )
        self.fields["unit"].label_from_instance = lambda u: f"{u.care_home.name}: {u.name}"

    def staff(self):
        staff = staff_visible(self.access)
        if self.is_valid():
            if self.cleaned_data.get("home"):
                staff = staff.filter(care_home=self.cleaned_data["home"])
            if self.cleaned_data.get("unit"):
                staff = staff.filter(home_unit=self.cleaned_data["unit"])
        return staff

    def unit_ids(self) -> list[int]:
        ids = list(self.access.unit_ids)
        if self.is_valid():
            if self.cleaned_data.get("unit"):
                ids = [self.cleaned_data["unit"].pk]
            elif self.cleaned_data.get("home"):
                home_id = self.cleaned_data["home"].pk
                ids = list(
                    Unit.objects.filter(pk__in=ids, care_home_id=home_id).values_list(
                        "pk", flat=True
                    )
                )
        return ids


class TrainingRecordForm(forms.Form):
    staff = StaffChoiceField(queryset=StaffMember.objects.none(), widget=forms.Select(attrs=SELECT))
    course = forms.ModelChoiceField(queryset=None, widget=forms.Select(attrs=SELECT))
    completed_on = forms.DateField(widget=DATE_INPUT, label="Completed on")
    expires_on = forms.DateField(
        widget=DATE_INPUT,
        required=False,
        label="Expires on",
        help_text="Leave empty to use the course's validity period.",
    )

    def __init__(self, *args, access, **kwargs):
        from staffrota.compliance.models import TrainingCourse

        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_visible(access).select_related("user", "home_unit")
        self.fields["course"].queryset = TrainingCourse.objects.all()


class TrainingImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns: sap_number, course (code or name), completed_on (YYYY-MM-DD or "
            f"DD/MM/YYYY), optional expires_on. At most {IMPORT_MAX_ROWS} rows."
        ),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB; split it into parts.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                "The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”."
            ) from error


class SupervisionForm(forms.Form):
    held_on = forms.DateField(widget=DATE_INPUT, label="Held on")
    next_due_on = forms.DateField(
        widget=DATE_INPUT,
        required=False,
        label="Next due",
        help_text=f"Leave empty for {SUPERVISION_INTERVAL.days // 7} weeks after this one.",
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={**TEXT, "rows": 5}),
        required=False,
        help_text="Visible to managers only.",
    )

    def clean(self):
        data = super().clean()
        held = data.get("held_on")
        if held and not data.get("next_due_on"):
            data["next_due_on"] = held + SUPERVISION_INTERVAL
        return data


class RegistrationForm(forms.Form):
    body = forms.ChoiceField(
        choices=RegistrationBody.choices,
        required=False,
        label="Registered with",
        widget=forms.Select(attrs=SELECT),
    )
    number = forms.CharField(max_length=20, required=False, widget=forms.TextInput(attrs=TEXT))
    expiry = forms.DateField(widget=DATE_INPUT, required=False, label="Expires on")


class IncidentForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label="When it happened",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), widget=forms.Select(attrs=SELECT))
    location = forms.CharField(
        max_length=120,
        required=False,
        label="Where",
        help_text="For example: room 12, the lounge, the garden.",
        widget=forms.TextInput(attrs=TEXT),
    )
    category = forms.ChoiceField(
        choices=IncidentCategory.choices, widget=forms.Select(attrs=SELECT)
    )
    severity = forms.ChoiceField(choices=Severity.choices, widget=forms.Select(attrs=SELECT))
    people = forms.ModelMultipleChoiceField(
        queryset=StaffMember.objects.none(),
        required=False,
        label="Staff involved",
        help_text="Hold Ctrl (or Cmd) to choose more than one.",
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 5}),
    )
    description = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={**TEXT, "rows": 5}),
        help_text="Residents by initials only.",
    )
    immediate_action = forms.CharField(
        label="Immediate action taken",
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff may report on any unit of their home (the scope is their home); managers on theirs.
        units = (
            Unit.objects.all()
            if not access.manages
            else Unit.objects.filter(pk__in=access.unit_ids)
        )
        self.fields["unit"].queryset = units.select_related("care_home")
        staff = StaffMember.objects.filter(left_on__isnull=True).select_related("user")
        self.fields["people"].queryset = staff
        self.fields["people"].label_from_instance = lambda s: s.full_name
        if not self.is_bound:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )


STEP_CHOICES = [
    (IncidentStatus.INVESTIGATING, "Investigating"),
    (IncidentStatus.CLOSED, "Closed"),
    (IncidentStatus.OPEN, "Open (add a note only)"),
]


class IncidentActionForm(forms.Form):
    to_status = forms.ChoiceField(
        choices=STEP_CHOICES, label="Status after this action", widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(
        label="Action taken",
        widget=forms.Textarea(attrs={**TEXT, "rows": 4}),
        help_text="On closing, say what was found and what was done.",
    )

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        from staffrota.compliance.services import ALLOWED_STEPS

        allowed = ALLOWED_STEPS[incident.status]
        choices = [(value, label) for value, label in STEP_CHOICES if value in allowed]
        if incident.status == IncidentStatus.INVESTIGATING:
            choices = [(IncidentStatus.INVESTIGATING, "Investigating (add a note only)")] + [
                c for c in choices if c[0] != IncidentStatus.INVESTIGATING
            ]
        if incident.status == IncidentStatus.CLOSED:
            choices = [(IncidentStatus.INVESTIGATING, "Reopen: investigating")]
        self.fields["to_status"].choices = choices


class PeriodForm(forms.Form):
    """A period for summaries and reports; defaults to the last 12 months."""

    start = forms.DateField(widget=DATE_INPUT, required=False, label="From")
    end = forms.DateField(widget=DATE_INPUT, required=False, label="To")
    by = forms.ChoiceField(
        choices=list(SUMMARY_DIMENSIONS.items()),
        required=False,
        label="Group by",
        widget=forms.Select(attrs=SELECT),
    )

    max_days = 3 * 366

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        if start and end and (end - start).days > self.max_days:
            raise forms.ValidationError("Choose a period of at most three years.")
        return data

    def period(self):
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or (end.replace(day=1) - timedelta(days=335)).replace(day=1)
        return start, end, data.get("by") or "category"


class MonthForm(forms.Form):
    month = forms.DateField(
        input_formats=["%Y-%m"],
        required=False,
        widget=forms.DateInput(attrs={"type": "month", "class": "form-control"}, format="%Y-%m"),
        help_text="The report covers this month; training is looked at from its first day.",
    )
    home = forms.ModelChoiceField(
        queryset=CareHome.objects.none(),
        required=False,
        empty_label="All my homes",
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = CareHome.objects.filter(pk__in=access.home_ids)

    def chosen(self):
        data = self.cleaned_data if self.is_valid() else {}
        month = data.get("month") or timezone.localdate().replace(day=1)
        return month.replace(day=1), data.get("home")
