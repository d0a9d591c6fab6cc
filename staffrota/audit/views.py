"""The audit log viewer: managers see their homes' entries, admins every entry."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from staffrota.accounts.models import User
from staffrota.audit.models import AuditEntry
from staffrota.web.permissions import manager_required

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    home = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    person = forms.CharField(required=False, max_length=150, label="Person (SAP number)")
    object_type = forms.CharField(required=False, max_length=60, label="Object type")
    object_id = forms.CharField(required=False, max_length=40, label="Object id")
    action = forms.CharField(required=False, max_length=60)
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")

    def __init__(self, *args, homes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].choices = [("", "All my homes")] + [(h.pk, h.name) for h in homes]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
        self.fields["date_from"].widget.input_type = "date"
        self.fields["date_to"].widget.input_type = "date"


def audit_entries_visible(access):
    """The one visibility query for audit entries: every entry for whole-group roles, else
    the entries of the homes in the request's scope (entries without a home are group-wide)."""
    if access.all_homes:
        return AuditEntry.all_homes.all()
    return AuditEntry.objects.all()


def _person_filter(username: str) -> Q:
    from staffrota.organisation.models import StaffMember

    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        return Q(pk__in=[])
    about = Q(actor=user) | Q(object_type="accounts.user", object_id=str(user.pk))
    staff_id = StaffMember.objects.filter(user=user).values_list("pk", flat=True).first()
    if staff_id is not None:
        about |= Q(object_type="organisation.staffmember", object_id=str(staff_id))
    return about


@manager_required
def audit_log(request):
    from staffrota.organisation.models import CareHome

    homes = CareHome.objects.filter(pk__in=request.access.home_ids)
    form = AuditFilterForm(request.GET or None, homes=homes)
    entries = audit_entries_visible(request.access).select_related("care_home")
    if form.is_valid():
        data = form.cleaned_data
        if data["home"]:
            entries = entries.filter(care_home_id=data["home"])
        if data["person"]:
            entries = entries.filter(_person_filter(data["person"]))
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"].strip().lower())
        if data["object_id"]:
            entries = entries.filter(object_id=data["object_id"].strip())
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"].strip())
        if data["date_from"]:
            entries = entries.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(at__date__lte=data["date_to"])
    page = Paginator(entries.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
