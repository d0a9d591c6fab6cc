"""Turns one cell into a typed value, or a message that tells the manager what to write."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from staffrota.imports.reading import cell_text

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class CellError(Exception):
    """A cell that cannot be used; `column` names it."""

    def __init__(self, column: str, message: str):
        self.column = column
        super().__init__(message)


def text(values: dict, column: str, *, required: bool = True, max_length: int = 150) -> str:
    value = cell_text(values.get(column))
    if required and not value:
        raise CellError(column, f"{column} is empty; fill it in.")
    if len(value) > max_length:
        raise CellError(column, f"{column} is longer than {max_length} characters.")
    return value


def day(values: dict, column: str, *, required: bool = True) -> date | None:
    raw = values.get(column)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    value = cell_text(raw)
    if not value:
        if required:
            raise CellError(column, f"{column} is empty; write a date such as 2026-03-31.")
        return None
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not 2000 <= parsed.year <= 2099:
            raise CellError(column, f"{value!r} is not a date this century.")
        return parsed
    raise CellError(column, f"{value!r} is not a date; write it as 2026-03-31 or 31/03/2026.")


def number(values: dict, column: str, *, low: Decimal, high: Decimal, default=None) -> Decimal:
    value = cell_text(values.get(column)).replace("£", "").replace(",", "")
    if not value:
        if default is None:
            raise CellError(column, f"{column} is empty; write a number.")
        return default
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise CellError(column, f"{value!r} is not a number.") from None
    if not parsed.is_finite() or not low <= parsed <= high:
        raise CellError(column, f"{column} must be between {low} and {high}; it is {value}.")
    return parsed.quantize(Decimal("0.01"))


def yes_no(values: dict, column: str) -> bool:
    value = cell_text(values.get(column)).lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise CellError(column, f"{value!r}: write yes or no.")


def choice(values: dict, column: str, options: dict[str, object], *, default=None):
    """`options` maps each accepted spelling (lower case) to its value."""
    value = cell_text(values.get(column)).lower()
    if not value and default is not None:
        return default
    if value not in options:
        accepted = ", ".join(sorted({key for key in options if key}))
        raise CellError(column, f"{value or 'an empty cell'!r} is not one of: {accepted}.")
    return options[value]
