from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class RotaDateField(serializers.DateField):
    """A date a rota could hold: this century (no arithmetic can overflow near it)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(self._in_range)

    @staticmethod
    def _in_range(value: date) -> None:
        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(
                f"Give a date between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}."
            )


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "22:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day as HH:MM (OpenAPI's `time` format would demand a UTC offset)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)
