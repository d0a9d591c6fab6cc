"""Model instances read with their related ones in one row, as `select_related` makes them,
through kept SQL (`kept_rows`).

Why: a locked or single-row read with three or four joined models cost some 3,000 Python
calls to build and compile as a queryset and to populate, each time someone asks for or
withdraws leave, opens their leave page or is weighed as cover; the row itself is cheap.
"""

from __future__ import annotations

from functools import cached_property

from django.db import connection
from django.db.models import Model


class Joined:
    """`model` and the models along `paths` (as given to `select_related`): the columns to
    read with `values_list(*joined.columns)` and the instances made from such a row, each
    related one cached on the one it hangs from (both ways for a one-to-one), as
    `select_related` leaves them; None (and so `DoesNotExist` on reading it) where a
    nullable or reverse one-to-one link finds no row."""

    def __init__(self, model: type[Model], paths: tuple[str, ...]):
        self.model, self.paths = model, paths

    @cached_property
    def parts(self) -> list[tuple]:
        """(model, lookup prefix, the field linking it to its parent, parent's index)."""
        parts = [(self.model, "", None, None)]
        where = {"": 0}
        for path in self.paths:
            prefix = ""
            for name in path.split("__"):
                parent = where[prefix]
                link = parts[parent][0]._meta.get_field(name)
                prefix = f"{prefix}{name}__"
                if prefix not in where:
                    where[prefix] = len(parts)
                    parts.append((link.related_model, prefix, link, parent))
        return parts

    @cached_property
    def columns(self) -> list[str]:
        return [
            prefix + field.attname
            for model, prefix, _, _ in self.parts
            for field in model._meta.concrete_fields
        ]

    @cached_property
    def _layout(self) -> list[tuple]:
        """Per model: its field names, where its columns start and end, its primary key's
        place among them, the link to its parent and the parent's index."""
        layout, at = [], 0
        for model, _, link, parent in self.parts:
            fields = model._meta.concrete_fields
            names = [field.attname for field in fields]
            pk_at = fields.index(model._meta.pk)
            layout.append((model, names, at, at + len(fields), pk_at, link, parent))
            at += len(fields)
        return layout

    def instance(self, row: tuple) -> Model:
        made = []
        for model, names, start, end, pk_at, link, parent in self._layout:
            values = row[start:end]
            obj = None if values[pk_at] is None else model.from_db(connection.alias, names, values)
            made.append(obj)
            if link is None or made[parent] is None:
                continue
            owner = made[parent]
            link.set_cached_value(owner, obj)
            if obj is None:
                continue
            if link.concrete:  # a foreign key or one-to-one of the owner
                if link.unique:
                    link.remote_field.set_cached_value(obj, owner)
            else:  # the reverse of a one-to-one pointing at the owner
                link.field.set_cached_value(obj, owner)
        return made[0]
