from django import template
from django.urls import reverse

from staffrota.rota.grid_html import grid_body

register = template.Library()


@register.simple_tag
def rota_grid_body(grid, editable):
    """The grid's rows, rendered in Python for speed (see rota.grid_html)."""
    days = grid.days
    view_query = f"view_start={days[0].isoformat()}&amp;view_weeks={max(1, len(days) // 7)}"
    return grid_body(
        grid=grid,
        cell_url=reverse("rota_cell", args=[grid.unit.pk]),
        view_query=view_query,
        editable=bool(editable),
    )
