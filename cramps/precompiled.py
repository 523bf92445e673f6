"""A queryset compiled to SQL once per process, then run again with new values.

Compiling a queryset costs the ORM some hundreds of microseconds: more than the database takes
to read one row by an index. ``Compiled`` is for the hottest such read (a reader's page,
``pagebody.for_reader``): it compiles a ``values()`` queryset once per database and, on each
call, puts the call's values into the SQL's parameters and runs it.

The queryset is still written with the ORM, from the same managers and rules as every other
read (the publishing rule stays in ``DocumentQuerySet.published``). Where each value goes is
found, not assumed: the queryset is compiled once more with each value changed, and the
parameters that changed are that value's. Should a value change the SQL itself, or turn into a
parameter other than the field's own database value, the queryset cannot be precompiled and
``Compiled`` says so when it first compiles it (``NotPrecompilable``).
"""

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Field, Model, QuerySet


class NotPrecompilable(Exception):
    """A value of the queryset changes its SQL, not only its parameters."""


@dataclass(frozen=True)
class Value:
    """A value the queryset is built with: the field whose database value it becomes, and two
    different samples of it (compiled once each, to find where it goes)."""

    field: Field
    samples: tuple[object, object]


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    positions: dict[str, tuple[int, ...]]
    names: tuple[str, ...]
    compiler: object


class Compiled:
    """``build(**values)``, a ``values()`` queryset of ``model``, compiled once per database.

    ``context`` names what else the SQL holds that may change while the process runs (such as a
    content type's id, which a test database flush renumbers); its SQL is compiled again when
    that changes.
    """

    def __init__(
        self,
        model: type[Model],
        build: Callable[..., QuerySet],
        values: dict[str, Value],
        context: Callable[[], Hashable] = lambda: None,
    ) -> None:
        self.model = model
        self._build, self._values, self._context = build, values, context
        self._statements: dict[tuple, _Statement] = {}
        self._attnames = {field.attname for field in model._meta.concrete_fields}
        self._lock = threading.Lock()

    def first(self, **values) -> dict | None:
        """The first row (column name to value, as ``values()`` gives it) for these values, or None.

        A value may not be None: in the ORM, None turns ``=`` into ``IS NULL``, another SQL."""
        return self._first(router.db_for_read(self.model), values)

    def instance(self, **values) -> Model | None:
        """The first row as a ``model`` instance (``Model.from_db``): its fields set from the
        columns named after their attributes, every other column set as an attribute."""
        alias = router.db_for_read(self.model)
        row = self._first(alias, values)
        if row is None:
            return None
        fields = [name for name in row if name in self._attnames]
        instance = self.model.from_db(alias, fields, [row[name] for name in fields])
        for name, value in row.items():
            if name not in self._attnames:
                setattr(instance, name, value)
        return instance

    def _first(self, alias: str, values: dict) -> dict | None:
        statement = self._statement(alias)
        connection = connections[alias]
        params = list(statement.params)
        for name, value in values.items():
            if value is None:
                raise ValueError(f"{name!r} is None: precompiled SQL has no place for it")
            prepared = self._values[name].field.get_db_prep_value(value, connection, prepared=False)
            for position in statement.positions[name]:
                params[position] = prepared
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        converted = next(iter(statement.compiler.results_iter(results=[[row]])))
        return dict(zip(statement.names, converted, strict=True))

    def _statement(self, alias: str) -> _Statement:
        key = (alias, self._context())
        statement = self._statements.get(key)
        if statement is None:
            with self._lock:
                statement = self._statements[key] = self._compile(alias)
        return statement

    def _compile(self, alias: str) -> _Statement:
        connection = connections[alias]
        first = {name: value.samples[0] for name, value in self._values.items()}
        sql, params, compiler, query = self._sql(alias, first)
        positions = {}
        for name, value in self._values.items():
            other_sql, other_params, _, _ = self._sql(alias, {**first, name: value.samples[1]})
            if other_sql != sql or len(other_params) != len(params):
                raise NotPrecompilable(f"{name!r} changes the SQL of {self.model.__name__}'s query")
            changed = tuple(i for i, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b)
            expected = value.field.get_db_prep_value(value.samples[0], connection, prepared=False)
            if not changed or any(params[i] != expected for i in changed):
                raise NotPrecompilable(f"{name!r} is not a parameter of {self.model.__name__}'s query")
            positions[name] = changed
        names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
        return _Statement(sql, tuple(params), positions, names, compiler)

    def _sql(self, alias: str, values: dict) -> tuple:
        query = self._build(**values).query
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        return sql, params, compiler, query
