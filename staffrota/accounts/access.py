"""What a user may see: the one place that turns a role and assignments into homes and units.

Views, exports, dashboards, the API and jobs all ask here; nothing else decides scope.
"""

from dataclasses import dataclass

from django_scopes import scopes_disabled

from staffrota.accounts.models import Role, User


@dataclass(frozen=True)
class Access:
    """The homes and units one user may see, resolved once per request."""

    home_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()
    staff_id: int | None = None  # set for staff: the only person they see
    manages: bool = False
    all_homes: bool = False

    def sees_home(self, home_id: int) -> bool:
        return home_id in self.home_ids

    def sees_unit(self, unit_id: int) -> bool:
        return unit_id in self.unit_ids


NO_ACCESS = Access()


def access_for(user) -> Access:
    """Resolve the homes and units `user` may see from their role and assignments."""
    from staffrota.organisation.models import CareHome, StaffMember, Unit

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    with scopes_disabled():
        if user.is_superuser or user.role in (Role.HEAD_OF_SERVICE, Role.SYSTEM_ADMIN):
            homes = tuple(CareHome.objects.values_list("pk", flat=True))
            units = tuple(Unit.objects.values_list("pk", flat=True))
            return Access(home_ids=homes, unit_ids=units, manages=True, all_homes=True)
        if user.role == Role.SERVICE_MANAGER:
            homes = tuple(user.managed_homes.values_list("pk", flat=True))
            units = tuple(Unit.objects.filter(care_home__in=homes).values_list("pk", flat=True))
            return Access(home_ids=homes, unit_ids=units, manages=True)
        if user.role == Role.OPERATIONAL_MANAGER:
            pairs = list(user.managed_units.values_list("pk", "care_home_id"))
            units = tuple(pk for pk, _ in pairs)
            homes = tuple(sorted({home for _, home in pairs}))
            return Access(home_ids=homes, unit_ids=units, manages=True)
        member = (
            StaffMember.objects.filter(user=user)
            .values("pk", "care_home_id", "home_unit_id")
            .first()
        )
    if member is None:
        return NO_ACCESS
    return Access(
        home_ids=(member["care_home_id"],),
        unit_ids=(member["home_unit_id"],),
        staff_id=member["pk"],
    )


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.is_manager
