from django.db.models.signals import post_save
from django.dispatch import receiver

from staffrota.compliance.courses import course_roles_link
from staffrota.organisation.models import JobRole


@receiver(post_save, sender=JobRole)
def _link_new_role_to_courses(sender, instance, created, raw=False, **kwargs):
    # Roles made after the seeding migration (demo data, the admin) still get their courses.
    if created and not raw:
        course_roles_link(instance)
