"""A column of integers that is a real array on PostgreSQL.

Activities keep copies of their many-to-many ids (action lines with their
parents, regions, SDGs, themes, trends, entities) in such columns, so that
filters over a million rows read one table with GIN indexes instead of
joining six, and the facet index loads in one pass (activities/db.py).
PostgreSQL keeps the copies current with triggers (see
activities/migrations/0007_denormalised_arrays.py); on SQLite the column is
plain JSON text that nothing reads, and the listing joins the tables.
"""

import json

from django.db import models
from django.db.models import Lookup

from activities.db import is_postgresql


class IntegerArrayField(models.Field):
    description = "A list of integers (integer[] on PostgreSQL, JSON text elsewhere)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return "integer[]" if is_postgresql(connection) else "text"

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        return json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        value = [int(v) for v in value]
        return value if is_postgresql(connection) else json.dumps(value)


@IntegerArrayField.register_lookup
class Overlap(Lookup):
    """``field__overlap=[1, 2]``: the array shares an element with the list (PostgreSQL)."""

    lookup_name = "overlap"

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [[int(v) for v in value]])

    def as_sql(self, compiler, connection):
        if not is_postgresql(connection):
            raise NotImplementedError("overlap needs PostgreSQL")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} && {rhs}::integer[]", [*lhs_params, *rhs_params]
