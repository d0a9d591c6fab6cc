"""Refresh a home's dashboard figures whenever a row they are computed from changes.

Two levels: the home's cached figures (`cache.stats_invalidate`, any change), and the stored
figures of a completed month (`months.months_touch`, only for a change dated in that month).
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.compliance.models import (
    Incident,
    IncidentAction,
    Supervision,
    TrainingCourse,
    TrainingRecord,
)
from staffrota.dashboards.cache import stats_invalidate
from staffrota.dashboards.months import months_touch
from staffrota.leave.models import LeaveRequest, SicknessAbsence
from staffrota.organisation.models import (
    CareHome,
    DemandRecord,
    StaffingRequirement,
    StaffMember,
    Unit,
)
from staffrota.rota.models import AgencyBooking, Shift
from staffrota.rota.signals import shifts_bulk_changed

HOME_OWNED = (
    Shift,
    AgencyBooking,
    LeaveRequest,
    SicknessAbsence,
    TrainingRecord,
    Supervision,
    Incident,
    IncidentAction,
    StaffMember,
    StaffingRequirement,
    DemandRecord,
    Unit,
)
# Rows that count towards a month's figures, and the day each counts on. The day as loaded
# is kept too (`_loaded`), so moving a row to another month changes both months.
_LOADED = "_dashboard_day_loaded"


def _raw_day(instance):
    # From __dict__: never a query for a deferred field, and no time zone work per row loaded.
    return instance.__dict__.get("occurred_at" if isinstance(instance, Incident) else "date")


def _as_day(value):
    if value is None or not hasattr(value, "tzinfo"):
        return value
    return timezone.localtime(value).date()


def _loaded(sender, instance, **kwargs):
    setattr(instance, _LOADED, _raw_day(instance))


def _days(sender, instance) -> list:
    if sender is AgencyBooking:
        field = AgencyBooking._meta.get_field("shift")
        if field.is_cached(instance):
            return [instance.shift.date]
        with scopes_disabled():
            return list(Shift.objects.filter(pk=instance.shift_id).values_list("date", flat=True))
    if sender in (Shift, DemandRecord, Incident):
        days = [_as_day(_raw_day(instance)), _as_day(getattr(instance, _LOADED, None))]
        if days == [None, None] and instance.pk:  # loaded without its date (.only())
            field = "occurred_at" if sender is Incident else "date"
            with scopes_disabled():
                days = [
                    _as_day(v)
                    for v in sender.objects.filter(pk=instance.pk).values_list(field, flat=True)
                ]
        return days
    return []


def _changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    home_id = getattr(instance, "care_home_id", None)
    # Now, so this request's next read is current; and again after commit, so a reader that
    # recomputed from the old rows in between does not keep them.
    stats_invalidate([home_id])
    months_touch(home_id=home_id, days=_days(sender, instance))
    transaction.on_commit(lambda: stats_invalidate([home_id]))
    if sender in (Shift, DemandRecord, Incident):
        setattr(instance, _LOADED, _raw_day(instance))  # saved: a later move starts from here


def _bulk_changed(sender, *, care_home_id, days, **kwargs):
    stats_invalidate([care_home_id])
    months_touch(home_id=care_home_id, days=days)
    transaction.on_commit(lambda: stats_invalidate([care_home_id]))


def _course_changed(sender, instance=None, **kwargs):
    # A course's validity or roles change every home's training figures.
    with scopes_disabled():
        stats_invalidate(CareHome.objects.values_list("pk", flat=True))


for model in HOME_OWNED:
    post_save.connect(_changed, sender=model, dispatch_uid=f"dash-save-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"dash-delete-{model.__name__}")
for model in (Shift, DemandRecord, Incident):
    post_init.connect(_loaded, sender=model, dispatch_uid=f"dash-init-{model.__name__}")
shifts_bulk_changed.connect(_bulk_changed, dispatch_uid="dash-shifts-bulk")
post_save.connect(_course_changed, sender=TrainingCourse, dispatch_uid="dash-course")
m2m_changed.connect(_course_changed, sender=TrainingCourse.roles.through, dispatch_uid="dash-roles")
