"""Refresh a home's dashboard figures whenever a row they are computed from changes."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django_scopes import scopes_disabled

from staffrota.compliance.models import (
    Incident,
    IncidentAction,
    Supervision,
    TrainingCourse,
    TrainingRecord,
)
from staffrota.dashboards.cache import stats_invalidate
from staffrota.leave.models import LeaveRequest, SicknessAbsence
from staffrota.organisation.models import (
    CareHome,
    DemandRecord,
    StaffingRequirement,
    StaffMember,
    Unit,
)
from staffrota.rota.models import Shift

HOME_OWNED = (
    Shift,
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


def _changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    home_id = getattr(instance, "care_home_id", None)
    # Now, so this request's next read is current; and again after commit, so a reader that
    # recomputed from the old rows in between does not keep them.
    stats_invalidate([home_id])
    transaction.on_commit(lambda: stats_invalidate([home_id]))


def _course_changed(sender, instance=None, **kwargs):
    # A course's validity or roles change every home's training figures.
    with scopes_disabled():
        stats_invalidate(CareHome.objects.values_list("pk", flat=True))


for model in HOME_OWNED:
    post_save.connect(_changed, sender=model, dispatch_uid=f"dash-save-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"dash-delete-{model.__name__}")
post_save.connect(_course_changed, sender=TrainingCourse, dispatch_uid="dash-course")
m2m_changed.connect(_course_changed, sender=TrainingCourse.roles.through, dispatch_uid="dash-roles")
