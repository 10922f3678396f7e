"""Filling in message templates: placeholders, fallbacks, literal braces, and errors that name the column."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataverse import Row
from messaging.errors import TemplateError
from messaging.outbound.templates import Literal, Placeholder, escape, parse, render, select_for, value_of, values_from
from tests.messaging.facts import contact_table

CONTACT = contact_table()


def contact_row(**values: object) -> Row:
    return Row.from_json(values)


def test_placeholders_become_the_columns_formatted_values() -> None:
    row = contact_row(**{"firstname": "Avery", "donotphone": False,
                         "donotphone@OData.Community.Display.V1.FormattedValue": "Allow"})
    text = "Hi {FirstName}, calls: {donotphone}"
    selected = select_for(parse(text).columns, CONTACT)
    assert render(text, values_from(row, selected, "contact")) == "Hi Avery, calls: Allow"


def test_a_lookup_placeholder_reads_the_name_of_the_record_it_points_at() -> None:
    row = contact_row(**{"_parentcustomerid_value": "9b1f6c1e-0000-0000-0000-000000000001",
                         "_parentcustomerid_value@OData.Community.Display.V1.FormattedValue": "Contoso"})
    selected = select_for(["parentcustomerid"], CONTACT)
    assert selected == {"parentcustomerid": "_parentcustomerid_value"}
    assert render("{parentcustomerid}", values_from(row, selected, "contact")) == "Contoso"


def test_an_empty_column_takes_the_fallback_or_nothing() -> None:
    values = {"firstname": None, "lastname": "  "}
    assert render("Dear {firstname|customer}", values) == "Dear customer"
    assert render("[{lastname}]", values) == "[]"
    assert render("{firstname|}", values) == ""


def test_double_braces_are_literal_braces() -> None:
    assert render("{{firstname}} is {firstname}", {"firstname": "Avery"}) == "{firstname} is Avery"
    assert render("}}{{", {}) == "}{"


@pytest.mark.parametrize(("text", "where"), [
    ("Hi {firstname", "never closed"),
    ("Hi }", "lone '}'"),
    ("{first name}", "does not name a column"),
    ("{}", "does not name a column"),
    ("{a{b}", "never closed"),
])
def test_a_brace_out_of_place_is_an_error_that_says_where(text: str, where: str) -> None:
    with pytest.raises(TemplateError, match=where):
        parse(text)


def test_an_unknown_column_is_named_before_anything_is_read() -> None:
    with pytest.raises(TemplateError, match=r"\{favouritecolour\} names no column of contact") as raised:
        select_for(parse("Hi {firstname}, {favouritecolour}").columns, CONTACT)
    assert raised.value.column == "favouritecolour"


def test_a_column_missing_from_the_answer_is_unknown_on_a_table_the_product_does_not_define() -> None:
    selected = select_for(["new_tier"], None)
    with pytest.raises(TemplateError, match="new_tier"):
        values_from(contact_row(firstname="Avery"), selected, "new_member")


def test_raw_values_stand_in_when_dataverse_sends_no_formatted_value() -> None:
    row = contact_row(flag=True, count=3, missing=None)
    assert (value_of(row, "flag"), value_of(row, "count"), value_of(row, "missing")) == ("Yes", "3", None)


def test_columns_are_listed_once_in_order_of_use() -> None:
    template = parse("{b} {a|x} {B} {{c}}")
    assert template.columns == ("b", "a")
    assert template.parts[2] == Placeholder("a", "x")
    assert template.parts[-1] == Literal(" {c}")


@given(st.text())
def test_any_text_escaped_renders_to_itself(text: str) -> None:
    assert render(escape(text), {}) == text


@given(st.text(alphabet="{}", max_size=16))
def test_a_text_of_braces_parses_exactly_when_every_brace_is_doubled(braces: str) -> None:
    doubled = re.fullmatch(r"(\{\{|\}\})*", braces) is not None
    try:
        rendered = render(braces, {})
    except TemplateError:
        assert not doubled
        return
    assert doubled
    assert escape(rendered) == braces


@given(st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True),
       st.text(alphabet=st.characters(blacklist_characters="{}|"), max_size=20),
       st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=20))
def test_a_placeholder_between_escaped_text_renders_its_value(column: str, value: str, around: str) -> None:
    template = escape(around) + "{" + column + "}" + escape(around)
    assert render(template, {column: value}) == around + (value if value.strip() else "") + around
