"""People who log in, and what they may see.

The username is the SAP number. A user's role decides the breadth of what they see;
their assignments (homes for a Service Manager, units for an Operational Manager) decide
which homes and units.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    STAFF = "staff", "Staff"
    OPERATIONAL_MANAGER = "om", "Operational Manager"
    SERVICE_MANAGER = "sm", "Service Manager"
    HEAD_OF_SERVICE = "hos", "Head of Service"
    SYSTEM_ADMIN = "admin", "System admin"


MANAGER_ROLES = frozenset(
    {Role.OPERATIONAL_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE, Role.SYSTEM_ADMIN}
)


class User(AbstractUser):
    role = models.CharField(max_length=5, choices=Role.choices, default=Role.STAFF)
    managed_homes = models.ManyToManyField(
        "organisation.CareHome",
        blank=True,
        related_name="+",
        help_text="Homes a Service Manager looks after.",
    )
    managed_units = models.ManyToManyField(
        "organisation.Unit",
        blank=True,
        related_name="managers",
        help_text="Units an Operational Manager runs.",
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES or self.is_superuser
