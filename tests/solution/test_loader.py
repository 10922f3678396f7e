"""The loader rejects malformed definitions with a message that names the file and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from solution.schema import SchemaError, load_schema, parse_schema

GOOD = """
[table]
logical_name = "new_thing"
entity_set = "new_things"
display_name = "Thing"
display_plural = "Things"
ownership = "organization"
primary_id = "new_thingid"
primary_name = "new_name"

[[columns]]
name = "new_name"
type = "string"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def test_a_minimal_definition_loads_with_system_columns_added(tmp_path: Path) -> None:
    schema = parse_schema(write(tmp_path, "new_thing.toml", GOOD))
    table = schema.table("new_thing")
    assert table.column("new_name").max_length == 100
    assert {"createdon", "modifiedon", "statecode", "new_thingid"} <= {c.name for c in table.columns}


def test_unknown_column_type_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "new_thing.toml", GOOD + '\n[[columns]]\nname = "new_x"\ntype = "varchar"\n')
    with pytest.raises(SchemaError, match=r"new_thing\.toml: column new_thing\.new_x: unknown type 'varchar'"):
        parse_schema(tmp_path)


def test_lookup_to_a_missing_table_is_rejected(tmp_path: Path) -> None:
    write(
        tmp_path,
        "new_thing.toml",
        GOOD + '\n[[columns]]\nname = "new_other"\ntype = "lookup"\ntargets = ["new_missing"]\n',
    )
    with pytest.raises(SchemaError, match=r"targets missing table 'new_missing'"):
        parse_schema(tmp_path)


def test_duplicate_column_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "new_thing.toml", GOOD + '\n[[columns]]\nname = "new_name"\ntype = "memo"\n')
    with pytest.raises(SchemaError, match=r"new_thing\.new_name is defined twice"):
        parse_schema(tmp_path)


def test_table_defined_in_two_files_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", GOOD)
    with pytest.raises(SchemaError, match=r"'new_thing' is also defined in a\.toml"):
        parse_schema(tmp_path)


def test_choice_default_outside_its_choices_is_rejected(tmp_path: Path) -> None:
    extra = '\n[[columns]]\nname = "new_kind"\ntype = "choice"\ndefault = 9\nchoices = [{ value = 1, label = "One" }]\n'
    write(tmp_path, "new_thing.toml", GOOD + extra)
    with pytest.raises(SchemaError, match="default 9 is not one of its choices"):
        parse_schema(tmp_path)


def test_alternate_key_on_a_missing_column_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "new_thing.toml", GOOD + '\n[[keys]]\nname = "k"\ncolumns = ["new_nope"]\n')
    with pytest.raises(SchemaError, match="key 'k' names missing column 'new_nope'"):
        parse_schema(tmp_path)


def test_alternate_key_on_a_memo_column_is_rejected(tmp_path: Path) -> None:
    extra = '\n[[columns]]\nname = "new_text"\ntype = "memo"\n\n[[keys]]\nname = "k"\ncolumns = ["new_text"]\n'
    write(tmp_path, "new_thing.toml", GOOD + extra)
    with pytest.raises(SchemaError, match="memo columns cannot be keys"):
        parse_schema(tmp_path)


def test_misspelled_field_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "new_thing.toml", GOOD.replace('type = "string"', 'type = "string"\nmaxlength = 5'))
    with pytest.raises(SchemaError, match="unknown field"):
        parse_schema(tmp_path)


def test_relationship_on_a_column_that_is_not_a_lookup_is_rejected(tmp_path: Path) -> None:
    extra = '\n[[relationships]]\nreferencing_attribute = "new_name"\nreferenced_table = "new_thing"\n'
    write(tmp_path, "new_thing.toml", GOOD + extra)
    with pytest.raises(SchemaError, match="which is not a lookup column"):
        parse_schema(tmp_path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, "new_thing.toml", "[table\n")
    with pytest.raises(SchemaError, match=r"new_thing\.toml: not valid TOML"):
        parse_schema(tmp_path)


def test_product_schema_is_loaded_once() -> None:
    assert load_schema() is load_schema()


def test_unknown_table_lookup_raises_schema_error() -> None:
    with pytest.raises(SchemaError, match="no table 'smsb_nothing'"):
        load_schema().table("smsb_nothing")
