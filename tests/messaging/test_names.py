"""Every name `messaging.names` gives the domain is the name `solution/tables` defines, and no module of the
messaging domain spells a product table, column, choice or navigation property itself."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from messaging import names
from solution.schema import load_schema

SCHEMA = load_schema()
MESSAGING = Path(names.__file__).resolve().parent
# What the domain reads from `messaging.names`, wherever it is defined (here, or the generated module).
TABLES = list({id(value): value for value in vars(names).values()
               if hasattr(value, "entity_set") and hasattr(value, "columns")}.values())
CHOICES = list({id(value): value for value in vars(names).values()
                if isinstance(value, type) and issubclass(value, names.Choice) and value is not names.Choice}.values())


def _squashed(text: str) -> str:
    return text.replace("_", "").lower()


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.logical_name)
def test_each_table_is_addressed_as_its_definition_says(table: Any) -> None:
    defined = SCHEMA.table(table.logical_name)
    assert (table.entity_set, table.primary_id, table.primary_name) == (
        defined.entity_set, defined.primary_id, defined.primary_name)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.logical_name)
def test_each_column_and_navigation_property_is_one_the_table_has(table: Any) -> None:
    defined = SCHEMA.table(table.logical_name)
    for part in (table.columns, table.navigation, table.collections):
        assert all(field.name == getattr(part, field.name) for field in dataclasses.fields(part))
    columns = [getattr(table.columns, f.name) for f in dataclasses.fields(table.columns)]
    assert [c for c in columns if not defined.has_column(c)] == []
    single = {r.referencing_navigation for r in SCHEMA.relationships_from(table.logical_name)}
    navigation = [getattr(table.navigation, f.name) for f in dataclasses.fields(table.navigation)]
    assert [n for n in navigation if n not in single] == []
    collections = {r.referenced_navigation for r in SCHEMA.relationships_to(table.logical_name)}
    many = [getattr(table.collections, f.name) for f in dataclasses.fields(table.collections)]
    assert [n for n in many if n not in collections] == []


def _column_of(choice: type[names.Choice]) -> tuple[str, str]:
    for table in SCHEMA.tables:
        for column in table.columns:
            if _squashed(table.logical_name + column.name) == _squashed(choice.__name__) and column.choices:
                return table.logical_name, column.name
    raise AssertionError(f"no choice column is named like {choice.__name__}")


@pytest.mark.parametrize("choice", CHOICES, ids=lambda c: c.__name__)
def test_each_choice_value_has_the_value_and_label_of_its_column(choice: type[names.Choice]) -> None:
    table, column = _column_of(choice)
    defined = {option.value: option.label for option in SCHEMA.table(table).column(column).choices}
    assert {member.value: member.label for member in choice} == {
        member.value: defined.get(member.value) for member in choice}


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_module_spells_a_product_name() -> None:
    product_name = re.compile(r"(?<![A-Za-z0-9.])_?smsb_[a-z]")
    found = []
    for path in sorted(MESSAGING.rglob("*.py")):
        for line, text in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            if product_name.search(text):
                found.append(f"{path.relative_to(MESSAGING.parent)}:{line}: {text!r}")
    assert found == []


def test_a_stored_value_becomes_its_choice_and_an_unknown_one_says_so() -> None:
    assert names.choice_of(names.OutboxStatus, 3) is names.OutboxStatus.SENT
    with pytest.raises(ValueError, match="42 is not a SmsbOutboxSmsbSendstatus value"):
        names.choice_of(names.OutboxStatus, 42)
