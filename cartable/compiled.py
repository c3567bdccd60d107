"""Read-only statements the ORM compiles once per database, run with each request's values.

A hot page runs the same few queries on every request; building them with the ORM costs ten
times what the database spends running them. A ``Statement`` is the SQL and value converters
the ORM itself produced for a query built with placeholder values (negative ids no row has),
so it reads exactly what that query reads: the request's values take the placeholders'
places in the parameters. Rows come back raw (``fetch``), which a caller may use as a cache
key, and are converted as the ORM would (``convert``) when they are needed.

Every other parameter is a constant of the code. Those that are plain words (a review status,
an attempt's state…) are written into the SQL text as literals (``inline_words``): SQLite
weighs a bound value against the condition of a partial index it might use (``review_status =
'pending'``), and then prepares the whole statement again each time the value is bound: on
every request, although Python's statement cache holds it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Placeholder ids for the values a statement is run with, in this order.
PLACEHOLDERS = (-424_242_421, -424_242_422, -424_242_423)


@dataclass(frozen=True)
class Statement:
    alias: str
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (position in params, index of the request's value)
    converters: tuple[tuple[int, tuple[Any, Any]], ...]

    def fetch(self, *values: Any) -> list[tuple[Any, ...]]:
        """The rows as the driver returns them (no conversion)."""
        params = list(self.params)
        for position, index in self.slots:
            params[position] = values[index]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()  # type: ignore[no-any-return]

    def convert(
        self, rows: Sequence[Sequence[Any]], done: frozenset[int] = frozenset()
    ) -> list[list[Any]]:
        """The rows with the values the ORM would give (booleans, dates, JSON…); the columns
        at ``done`` hold such values already (the caller converted them)."""
        connection = connections[self.alias]
        converted = []
        for row in rows:
            values = list(row)
            for index, (functions, expression) in self.converters:
                if index in done:
                    continue
                for convert in functions:
                    values[index] = convert(values[index], expression, connection)
            converted.append(values)
        return converted


def placeholders(count: int) -> tuple[int, ...]:
    """``count`` placeholder ids (the first ones are ``PLACEHOLDERS``), for a query taking more
    values than three (e.g. an ``__in`` of a known length)."""
    return (*PLACEHOLDERS, *range(PLACEHOLDERS[-1] - 1, PLACEHOLDERS[-1] - 1 - count, -1))[:count]


# A constant the SQL text may hold as a literal: nothing to quote, nothing to escape.
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What stands for a parameter in the ORM's SQL, and a percent sign written as such.
MARKS = re.compile(r"%s|%%")


def inline_words(sql: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
    """``sql`` with its parameters that are plain words (``WORD``) written in as SQL string
    literals, and the parameters left. Only for a statement whose parameters are constants of
    the code and placeholders (integers): never for a request's values. Unchanged when its
    ``%s`` do not match ``params`` one for one."""
    marks = [mark.start() for mark in MARKS.finditer(sql) if mark.group() == "%s"]
    if len(marks) != len(params):
        return sql, tuple(params)
    pieces, left, end = [], [], 0
    for start, param in zip(marks, params, strict=True):
        word = str(param) if isinstance(param, str) else ""  # (a TextChoices member: its value)
        if WORD.fullmatch(word):
            pieces += [sql[end:start], f"'{word}'"]
        else:
            pieces += [sql[end:start], "%s"]
            left.append(param)
        end = start + 2
    pieces.append(sql[end:])
    return "".join(pieces), tuple(left)


def _slots(params: Sequence[Any], marks: Sequence[int]) -> tuple[tuple[int, int], ...]:
    return tuple(
        (position, marks.index(value))
        for position, value in enumerate(params)
        if isinstance(value, int) and not isinstance(value, bool) and value in marks
    )


def compile_values(query: QuerySet[Any, Any], alias: str) -> Statement:
    """``query`` (a ``values_list`` built with ``PLACEHOLDERS`` for the request's values)
    compiled for the database ``alias``."""
    compiler = query.query.get_compiler(alias)
    sql, params = inline_words(*compiler.as_sql())
    slots = _slots(params, PLACEHOLDERS)
    columns = [column for column, _sql, _alias in compiler.select]
    converters = tuple(compiler.get_converters(columns).items())
    return Statement(alias, sql, params, slots, converters)


@dataclass(frozen=True)
class Models:
    """A query for model instances (``select_related``, ``defer`` and ``annotate`` allowed),
    compiled: its statement, and how Django's ``ModelIterable`` makes instances from its
    rows."""

    statement: Statement
    model: Any
    start: int
    end: int
    names: tuple[str, ...]
    related: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...] = ()

    def first(self, *values: Any) -> Any:
        """The first instance the query finds with these values, or None."""
        rows = self.statement.fetch(*values)
        if not rows:
            return None
        return self._make(self.statement.convert(rows[:1])[0])

    def all(self, *values: Any) -> list[Any]:
        """Every instance the query finds with these values."""
        return [self._make(row) for row in self.statement.convert(self.statement.fetch(*values))]

    def fetch(self, *values: Any) -> list[tuple[Any, ...]]:
        """The rows as the driver returns them: a caller that needs only some of them as
        instances reads ``column`` values first and makes those with ``make``."""
        return self.statement.fetch(*values)

    def column(self, name: str) -> int:
        """Where the model's field ``name`` (its attname) sits in a fetched row: its value as
        the driver returns it, which is the ORM's when the field has no converter (text,
        integers)."""
        return self._positions[name]

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        return {name: self.start + index for index, name in enumerate(self.names)}

    def make(self, row: Sequence[Any], done: frozenset[int] = frozenset()) -> Any:
        """The instance of one fetched row, as ``all`` makes it (``done``: see
        ``Statement.convert``)."""
        return self._make(self.statement.convert([row], done)[0])

    def _make(self, row: list[Any]) -> Any:
        found = self.model.from_db(
            self.statement.alias, list(self.names), row[self.start : self.end]
        )
        for populator in self.related:
            populator.populate(row, found)
        for name, index in self.annotations:
            setattr(found, name, row[index])
        return found


def compile_models(
    query: QuerySet[Any, Any], alias: str, marks: Sequence[int] = PLACEHOLDERS
) -> Models:
    """``query`` (built with ``PLACEHOLDERS`` for the request's values, or ``marks``: see
    ``placeholders``) compiled for the database ``alias``, to make instances as iterating over
    it would."""
    from django.db.models.query import get_related_populators

    compiler = query.query.get_compiler(alias)
    sql, params = inline_words(*compiler.as_sql())
    slots = _slots(params, marks)
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None, query
    columns = [column for column, _sql, _alias in select]
    converters = tuple(compiler.get_converters(columns).items())
    statement = Statement(alias, sql, params, slots, converters)
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return Models(
        statement,
        klass_info["model"],
        start,
        end,
        tuple(column.target.attname for column, _sql, _alias in select[start:end]),
        tuple(get_related_populators(klass_info, select, alias)),  # type: ignore[call-arg]
        tuple(compiler.annotation_col_map.items()),
    )


# --- Inserts written once per table ------------------------------------------------------------
# A write under SQLite's single write lock should hold it for its statements' running only: the
# ORM's building of an INSERT (``create``, ``bulk_create``) cost several times its running. The
# values are prepared by the fields themselves (``prepared``), before the write transaction when
# the caller wants; the statement's text is made once per table, columns and database.

MAX_PARAMETERS = 999  # SQLite's oldest limit of bound parameters per statement


def prepared(row: Any, fields: Sequence[Any], alias: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """``row``'s values of ``fields`` as the database takes them (JSON encoded, dates…)."""
    connection = connections[alias]
    return [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]


@functools.lru_cache(maxsize=64)
def _insert_sql(alias: str, table: str, columns: tuple[str, ...], rows: int) -> str:
    connection = connections[alias]
    q = connection.ops.quote_name
    row = f"({', '.join('%s' for _ in columns)})"
    returning = rows == 1 and connection.features.can_return_columns_from_insert
    return (
        f"INSERT INTO {q(table)} ({', '.join(q(column) for column in columns)}) "  # noqa: S608 (names only)
        f"VALUES {', '.join(row for _ in range(rows))}"
        + (f" RETURNING {q('id')}" if returning else "")
    )


def insert(
    row: Any, fields: Sequence[Any], values: Sequence[Any], alias: str = DEFAULT_DB_ALIAS
) -> None:
    """INSERT ``row`` with ``values`` (``prepared``) for ``fields`` (its columns but its id), as
    ``save`` would: its id set, the instance marked as saved."""
    connection = connections[alias]
    model = type(row)
    sql = _insert_sql(alias, model._meta.db_table, tuple(str(f.column) for f in fields), 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(values))
        if connection.features.can_return_columns_from_insert:
            row.pk = cursor.fetchone()[0]
        else:
            row.pk = cursor.lastrowid
    row._state.adding = False
    row._state.db = alias


def insert_rows(
    model: Any, fields: Sequence[Any], rows: Sequence[Sequence[Any]], alias: str = DEFAULT_DB_ALIAS
) -> None:
    """INSERT ``rows`` (each the values of ``fields``, prepared) in as few statements as the
    parameter limit allows, ids not read back."""
    columns = tuple(str(f.column) for f in fields)
    batch = max(1, MAX_PARAMETERS // len(columns))
    with connections[alias].cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            sql = _insert_sql(alias, model._meta.db_table, columns, len(chunk))
            cursor.execute(sql, [value for row in chunk for value in row])
