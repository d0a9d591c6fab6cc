"""Fixed reference material for the demo: names, shift patterns, roles, courses, texts.

Figures come from ../shared/DOMAIN.md where a source exists; where DOMAIN.md says "not
found" the value here is a plausible choice, named as such.
"""

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

HOME_NAMES: list[tuple[str, str, str]] = [
    ("Orchard Grove", "orchard-grove", "14 Orchard Brae, Perth PH1 5LT"),
    ("Heatherbank House", "heatherbank", "2 Heatherbank Road, Stirling FK8 2QA"),
    ("Kirkton Lodge", "kirkton-lodge", "37 Kirkton Street, Dundee DD2 3NB"),
    ("Lochview Court", "lochview-court", "9 Lochside Drive, Dumfries DG1 4RJ"),
    ("Thistle Brae", "thistle-brae", "120 Thistle Crescent, Inverness IV2 6HS"),
]

# Units per home: 42 in all. Each home's care-type mix differs so that one home is
# residential and dementia only (no nurses), as many Scottish homes are.
HOME_UNIT_TYPES: list[list[str]] = [
    ["nursing", "nursing", "dementia", "dementia", "residential", "residential", "nursing",
     "dementia", "residential", "nursing"],
    ["nursing", "dementia", "residential", "nursing", "dementia", "residential", "dementia",
     "residential", "nursing"],
    ["dementia", "residential", "dementia", "residential", "residential", "dementia",
     "residential", "dementia"],
    ["nursing", "dementia", "residential", "nursing", "dementia", "residential", "nursing",
     "dementia"],
    ["nursing", "dementia", "nursing", "dementia", "nursing", "residential", "dementia"],
]  # fmt: skip

UNIT_NAMES = [
    "Rowan", "Birch", "Heather", "Bluebell", "Hawthorn", "Iona", "Skye", "Arran", "Lomond",
    "Ness", "Tay", "Cairngorm", "Thistle", "Juniper", "Willow", "Aspen", "Bracken", "Harris",
]  # fmt: skip

# Home patterns: "el" homes run earlies and lates for carers (3 shifts a day), "ld" homes
# 12-hour long days and nights (DOMAIN.md §1: both are common; 12 h rotas "commonplace").
HOME_PATTERNS = ["el", "ld", "el", "ld", "ld"]


@dataclass(frozen=True)
class ShiftSpec:
    code: str
    name: str
    starts: time
    ends: time
    paid_hours: Decimal
    is_night: bool


# Paid hours net of an unpaid 30-minute break on shifts over 6 hours (DOMAIN.md §1: 20 min
# by right; paid or not per contract). Nights keep the break paid: the sole nurse cannot
# leave the floor (RCN advice in DOMAIN.md §1).
SHIFT_PATTERNS: dict[str, list[ShiftSpec]] = {
    "el": [
        ShiftSpec("E", "Early", time(7, 0), time(14, 30), Decimal("7.00"), False),
        ShiftSpec("LD", "Long day", time(7, 0), time(19, 0), Decimal("11.50"), False),
        ShiftSpec("L", "Late", time(14, 0), time(21, 30), Decimal("7.00"), False),
        ShiftSpec("N", "Night", time(21, 0), time(7, 30), Decimal("10.50"), True),
    ],
    "ld": [
        ShiftSpec("E", "Early", time(8, 0), time(14, 30), Decimal("6.00"), False),
        ShiftSpec("LD", "Long day", time(8, 0), time(20, 0), Decimal("11.50"), False),
        ShiftSpec("L", "Late", time(14, 0), time(20, 0), Decimal("6.00"), False),
        ShiftSpec("N", "Night", time(20, 0), time(8, 0), Decimal("12.00"), True),
    ],
}

# (code, name, requires registration, body, rank): the codes the test factories use too.
JOB_ROLES: list[tuple[str, str, bool, str, int]] = [
    ("rn", "Registered nurse", True, "NMC", 1),
    ("senior", "Senior carer", True, "SSSC", 2),
    ("carer", "Carer", True, "SSSC", 3),
    ("ancillary", "Ancillary", False, "", 4),
]

# Hourly pay bands (DOMAIN.md §3): carers from the Scottish floor £12.60 to the real Living
# Wage £13.45; seniors ~6% above carers; nurses near NHS band 5 (£16.53-£20.60, +8% over
# 2025-27); ancillary at the floor. Agency rates are what the agency charges per hour
# (England 2022 figures, DOMAIN.md §3: carer £19.57, nurse £37.56; senior interpolated).
PAY_BANDS: dict[str, tuple[str, str]] = {
    "carer": ("12.60", "13.45"),
    "senior": ("13.45", "14.40"),
    "rn": ("19.00", "21.20"),
    "ancillary": ("12.60", "12.95"),
}
AGENCY_RATES: dict[str, str] = {
    "carer": "19.57",
    "senior": "22.40",
    "rn": "37.56",
    "ancillary": "16.80",
}

ALL = ("rn", "senior", "carer", "ancillary")
CARE = ("rn", "senior", "carer")
CLINICAL = ("rn", "senior")

# The 18 mandatory courses (issue 7). Refresh intervals follow the Skills for Care guide
# in DOMAIN.md §7 (yearly for moving, life support, medication, safeguarding, fire; three
# years for the rest); data protection and falls prevention are not in that guide and get
# two years, a common provider choice.
COURSES: list[tuple[str, str, int, tuple[str, ...]]] = [
    ("moving-handling", "Moving and handling", 12, CARE),
    ("adult-support-protection", "Adult support and protection", 12, ALL),
    ("fire-safety", "Fire safety", 12, ALL),
    ("first-aid", "First aid", 36, CLINICAL),
    ("infection-control", "Infection prevention and control", 36, ALL),
    ("medication", "Medication", 12, CLINICAL),
    ("food-hygiene", "Food hygiene", 36, ALL),
    ("dementia", "Dementia", 36, ALL),
    ("health-safety", "Health and safety", 36, ALL),
    ("data-protection", "Data protection", 24, ALL),
    ("equality-diversity", "Equality and diversity", 36, ALL),
    ("basic-life-support", "Basic life support", 12, CARE),
    ("nutrition-hydration", "Nutrition and hydration", 36, CARE),
    ("falls-prevention", "Falls prevention", 24, CARE),
    ("continence", "Continence", 36, CARE),
    ("end-of-life-care", "End-of-life care", 36, CARE),
    ("record-keeping", "Record keeping", 36, CARE),
    ("person-centred-care", "Person-centred care", 36, ALL),
]

FIRST_NAMES = [
    "Ailsa", "Eilidh", "Morag", "Fiona", "Kirsty", "Catriona", "Isla", "Mhairi", "Shona",
    "Lorna", "Heather", "Iona", "Rhona", "Elspeth", "Karen", "Lesley", "Gillian", "Nicola",
    "Lynsey", "Claire", "Susan", "Margaret", "Jennifer", "Laura", "Emma", "Amy", "Rachel",
    "Chloe", "Sophie", "Megan", "Erin", "Skye", "Kayleigh", "Stacey", "Donna", "Tracey",
    "Angela", "Jacqueline", "Pamela", "Sandra", "Ewan", "Callum", "Fraser", "Hamish",
    "Angus", "Alasdair", "Craig", "Ross", "Jamie", "Euan", "Graeme", "Stuart", "Scott",
    "Gordon", "Neil", "Iain", "Duncan", "Calum", "Murray", "Kyle",
    # The care workforce in Scotland recruits widely abroad.
    "Priya", "Anjali", "Deepa", "Maria", "Grace", "Joy", "Blessing", "Chidinma", "Agnieszka",
    "Katarzyna", "Joanna", "Rosalie", "Marites", "Jomar", "Arun", "Tendai",
]  # fmt: skip

LAST_NAMES = [
    "MacDonald", "Campbell", "Stewart", "Robertson", "Thomson", "Anderson", "MacLeod",
    "Murray", "Reid", "Ross", "Fraser", "Paterson", "Scott", "Morrison", "Watson", "Young",
    "Mitchell", "Walker", "Grant", "Ferguson", "Cameron", "Kerr", "Johnston", "Hamilton",
    "Graham", "Sinclair", "Munro", "Wallace", "Duncan", "Gray", "MacKenzie", "McIntosh",
    "Buchanan", "Drummond", "Henderson", "Hunter", "Kennedy", "Lindsay", "Milne", "Ogilvie",
    "Rennie", "Shaw", "Wilson", "Baird", "Crawford", "Docherty", "Gallacher", "McGregor",
    "Fleming", "Boyle", "Nair", "Thomas", "Kaur", "Santos", "Reyes", "Okafor", "Adeyemi",
    "Nowak", "Kowalska", "Mensah", "Moyo", "Joseph",
]  # fmt: skip

AGENCY_NAMES = ["Caledonia Care Staffing", "Highland Nurse Bank", "Forth Valley Recruitment"]

LOCATIONS = [
    "Bedroom", "Lounge", "Dining room", "Corridor", "En-suite bathroom", "Garden",
    "Quiet room", "Treatment room",
]  # fmt: skip

# category: (weight, severity weights low/moderate/high/severe, description, action)
INCIDENT_KINDS: dict[str, tuple[int, tuple[int, int, int, int], str, str]] = {
    "fall": (45, (60, 30, 8, 2), "Resident found on the floor beside the bed; unwitnessed.",
             "Checked for injury, observations taken, family and GP informed."),
    "behaviour": (20, (65, 28, 6, 1), "Resident distressed and shouting during personal care.",
                  "Care paused, de-escalation used, care plan reviewed with the nurse."),
    "medication": (10, (55, 35, 9, 1), "Evening dose omitted; found on the MAR chart check.",
                   "GP and pharmacist contacted for advice; dose given as advised."),
    "pressure": (7, (40, 45, 13, 2), "Grade 2 pressure area noted on the sacrum.",
                 "Repositioning chart increased, district nurse referral made."),
    "infection": (7, (50, 40, 9, 1), "Resident with loose stools and a raised temperature.",
                  "Isolated in room, samples sent, IPC precautions in place."),
    "safeguarding": (5, (30, 45, 20, 5), "Unexplained bruising noticed on the forearm.",
                     "Body map completed, adult protection referral discussed with the SM."),
    "other": (6, (75, 20, 4, 1), "Call bell found not working in one bedroom.",
              "Maintenance called, hourly checks until repaired."),
}  # fmt: skip

SUPERVISION_NOTES = [
    "Discussed workload and wellbeing; no concerns raised.",
    "Reviewed training plan; booked onto medication refresher.",
    "Good feedback from families; encouraged to mentor new starters.",
    "Talked through a recent fall on the unit and the learning from it.",
    "Agreed goals for the SVQ; manager to arrange protected study time.",
    "Raised concerns about night staffing; escalated to the service manager.",
]

LEAVE_COMMENTS = {
    "annual": ["Family holiday", "Summer holiday", "", "", "Wedding", "Short break"],
    "toil": ["Time owed from extra nights", ""],
    "training": ["SVQ study day", "Moving and handling trainer course"],
    "compassionate": ["Family bereavement"],
    "unpaid": ["Extended trip abroad"],
    "parental": ["School holidays"],
}
