from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or update the 18 mandatory training courses and link them to job roles."

    def handle(self, *args, **options):
        from staffrota.compliance.courses import COURSES, courses_seed
        from staffrota.compliance.models import TrainingCourse
        from staffrota.organisation.models import JobRole

        created = courses_seed(TrainingCourse, JobRole)
        self.stdout.write(f"{len(COURSES)} mandatory courses in place ({created} new).")
