"""The 18 mandatory courses of a Scottish care provider, with how long each stays valid.

Scotland sets no mandatory list or refresh interval (HCSSA 2019 s8 asks for "appropriate
training"), so the intervals follow the Skills for Care guide (DOMAIN.md section 7): yearly
for moving and handling, basic life support and first aid, medication, adult protection
and fire safety; three-yearly for the knowledge courses. Data protection is yearly and
falls prevention two-yearly by common provider practice (no source found).

The codes match the demo data's list (staffrota/demo/reference.py), which reuses these
courses when they exist. `roles` are job-role codes. Care staff are nurses, senior carers
and carers; "all" adds ancillary staff (domestic, kitchen, maintenance), who need the
whole-home courses.
"""

CARE = ("rn", "senior", "carer")
ALL = (*CARE, "ancillary")

# (code, name, validity in months, role codes)
COURSES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("moving-handling", "Moving and handling", 12, CARE),
    ("adult-support-protection", "Adult support and protection", 12, ALL),
    ("fire-safety", "Fire safety", 12, ALL),
    ("first-aid", "First aid", 12, CARE),
    ("infection-control", "Infection prevention and control", 36, ALL),
    ("medication", "Medication", 12, ("rn", "senior")),
    ("food-hygiene", "Food hygiene", 36, ALL),
    ("dementia", "Dementia", 36, CARE),
    ("health-safety", "Health and safety", 36, ALL),
    ("data-protection", "Data protection", 12, ALL),
    ("equality-diversity", "Equality and diversity", 36, ALL),
    ("basic-life-support", "Basic life support", 12, CARE),
    ("nutrition-hydration", "Nutrition and hydration", 36, CARE),
    ("falls-prevention", "Falls prevention", 24, CARE),
    ("continence", "Continence", 36, CARE),
    ("end-of-life-care", "End-of-life care", 36, CARE),
    ("record-keeping", "Record keeping", 36, CARE),
    ("person-centred-care", "Person-centred care", 36, CARE),
)


def courses_seed(course_model, role_model) -> int:
    """Create or update the 18 courses and link the job roles that exist; idempotent.

    Takes the model classes so the data migration can pass its historical models.
    Returns the number of courses created.
    """
    created = 0
    roles = {role.code: role for role in role_model.objects.all()}
    for code, name, months, role_codes in COURSES:
        course, was_created = course_model.objects.update_or_create(
            code=code, defaults={"name": name, "validity_months": months}
        )
        created += was_created
        course.roles.add(*[roles[c] for c in role_codes if c in roles])
    return created


def course_roles_link(role) -> None:
    """Link a job role created after the seed to the courses that apply to it."""
    from staffrota.compliance.models import TrainingCourse

    codes = [code for code, _, _, role_codes in COURSES if role.code in role_codes]
    for course in TrainingCourse.objects.filter(code__in=codes):
        course.roles.add(role)
