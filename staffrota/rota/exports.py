"""A unit's rota for a period as CSV or Excel, one row per shift."""

import csv
import io
from datetime import date

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from staffrota.organisation.models import Unit
from staffrota.rota.models import Shift, ShiftStatus

COLUMNS = [
    "Date",
    "Day",
    "Unit",
    "Shift",
    "Start",
    "End",
    "Paid hours",
    "Role",
    "Staff",
    "SAP number",
    "Status",
    "Paid as",
]


def rota_rows(*, unit: Unit, start: date, end: date) -> list[list]:
    shifts = (
        Shift.objects.filter(unit=unit, date__range=(start, end))
        .exclude(status=ShiftStatus.CANCELLED)
        .select_related("shift_type", "job_role", "staff__user")
        .order_by("starts_at", "job_role__rank", "pk")
    )
    rows = []
    for shift in shifts:
        rows.append(
            [
                shift.date.isoformat(),
                f"{shift.date:%A}",
                unit.name,
                shift.shift_type.name,
                f"{timezone.localtime(shift.starts_at):%H:%M}",
                f"{timezone.localtime(shift.ends_at):%H:%M}",
                float(shift.paid_hours),
                shift.job_role.name,
                shift.staff.full_name
                if shift.staff_id
                else ("Agency" if shift.source == "agency" else "VACANT"),
                shift.staff.sap_number if shift.staff_id else "",
                shift.get_status_display(),
                shift.get_source_display(),
            ]
        )
    return rows


def rota_csv(*, unit: Unit, start: date, end: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rota_rows(unit=unit, start=start, end=end):
        # Spreadsheet programs run cells starting with = + - @ as formulas; names never should.
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return buffer.getvalue()


def rota_xlsx(*, unit: Unit, start: date, end: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Rota"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rota_rows(unit=unit, start=start, end=end):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip(
        "ABCDEFGHIJKL", [11, 10, 16, 10, 7, 7, 10, 16, 24, 12, 10, 11], strict=True
    ):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
