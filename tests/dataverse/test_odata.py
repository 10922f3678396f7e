"""Pure builders: literals, keys, filters, Prefer, binds — no HTTP involved."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataverse import F, InvalidKeyValue, bind, entity_path, format_literal, owner_bind
from dataverse.odata import FORBIDDEN_KEY_CHARACTERS, entity_id_from_header, prefer_header, query_params

GUID = uuid.UUID("6d81597f-0f9f-e711-8122-000d3aa2331c")


def test_string_literals_double_embedded_quotes() -> None:
    assert format_literal("O'Brien's") == "'O''Brien''s'"


def test_guid_literals_are_unquoted_lowercase() -> None:
    assert format_literal(uuid.UUID("6D81597F-0F9F-E711-8122-000D3AA2331C")) == str(GUID)


def test_datetimes_are_written_in_utc_with_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_literal(datetime(2026, 1, 2, 5, 4, 5, tzinfo=plus_two)) == "2026-01-02T03:04:05Z"
    assert format_literal(datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)) == "2026-01-02T03:04:05.250Z"


def test_naive_datetimes_are_taken_as_utc() -> None:
    assert format_literal(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"


def test_other_literals() -> None:
    assert format_literal(date(2026, 3, 1)) == "2026-03-01"
    assert format_literal(True) == "true"
    assert format_literal(False) == "false"
    assert format_literal(None) == "null"
    assert format_literal(42) == "42"
    assert format_literal(Decimal("12.50")) == "12.50"


def test_unsupported_literal_type_is_refused() -> None:
    with pytest.raises(TypeError):
        format_literal([1, 2])  # type: ignore[arg-type]


def test_entity_path_by_primary_id_accepts_uuid_and_string() -> None:
    assert entity_path("smsb_messages", GUID) == f"smsb_messages({GUID})"
    assert entity_path("smsb_messages", str(GUID).upper()) == f"smsb_messages({GUID})"


def test_entity_path_by_alternate_key_quotes_strings_and_leaves_guids_bare() -> None:
    config_id = uuid.UUID(int=7)
    path = entity_path("smsb_recordtypes", {"_smsb_configuration_value": config_id,
                                            "smsb_entitylogicalname": "contact"})
    assert path == f"smsb_recordtypes(_smsb_configuration_value={config_id},smsb_entitylogicalname='contact')"


def test_alternate_key_values_are_percent_encoded_where_they_would_break_the_url() -> None:
    assert entity_path("smsb_messages", {"smsb_sid": "SM a#b"}) == "smsb_messages(smsb_sid='SM%20a%23b')"
    assert entity_path("smsb_messages", {"smsb_sid": "it's"}) == "smsb_messages(smsb_sid='it''s')"


@pytest.mark.parametrize("character", sorted(FORBIDDEN_KEY_CHARACTERS))
def test_alternate_key_values_dataverse_cannot_address_are_refused_naming_the_character(character: str) -> None:
    with pytest.raises(InvalidKeyValue) as caught:
        entity_path("smsb_conversations", {"smsb_phonenumber": f"1555{character}0100"})
    assert repr(character) in str(caught.value)
    assert "smsb_phonenumber" in str(caught.value)


def test_an_e164_number_cannot_be_a_key_because_of_its_plus() -> None:
    with pytest.raises(InvalidKeyValue, match="'\\+'"):
        entity_path("smsb_conversations", {"smsb_phonenumber": "+15551230100"})


@given(st.text(alphabet=st.characters(blacklist_characters=sorted(FORBIDDEN_KEY_CHARACTERS),
                                      blacklist_categories=["Cs"]), max_size=30))
def test_any_other_key_text_yields_a_single_safe_path_segment(text: str) -> None:
    path = entity_path("smsb_messages", {"smsb_sid": text})
    inner = path[len("smsb_messages(smsb_sid="):-1]
    assert inner.startswith("'")
    assert inner.endswith("'")
    for unsafe in " #?/\"\n":
        assert unsafe not in inner


def test_invalid_entity_set_names_are_refused() -> None:
    with pytest.raises(ValueError, match="entity set"):
        entity_path("smsb_messages?$top=1")


def test_filters_combine_with_parentheses() -> None:
    expression = F.eq("smsb_phonenumber", "+15551230100") & (F.ne("statecode", 1) | F.is_null("smsb_readon"))
    assert str(expression) == (
        "(smsb_phonenumber eq '+15551230100') and ((statecode ne 1) or (smsb_readon eq null))"
    )


def test_filter_negation_and_string_functions() -> None:
    assert str(~F.contains("smsb_body", "it's")) == "not (contains(smsb_body,'it''s'))"
    assert str(F.startswith("smsb_name", "A")) == "startswith(smsb_name,'A')"
    assert str(F.endswith("smsb_name", "z")) == "endswith(smsb_name,'z')"
    assert str(F.not_null("smsb_sid")) == "smsb_sid ne null"


def test_filter_on_lookup_uses_bare_guid() -> None:
    assert str(F.eq("_smsb_conversation_value", GUID)) == f"_smsb_conversation_value eq {GUID}"


def test_filter_any_of_builds_an_or_chain() -> None:
    assert str(F.any_of("smsb_status", [1, 2])) == "(smsb_status eq 1 or smsb_status eq 2)"
    assert str(F.all_of(F.gt("a", 1), F.lt("a", 3))) == "(a gt 1) and (a lt 3)"


def test_filter_refuses_injected_column_names() -> None:
    with pytest.raises(ValueError, match="column"):
        F.eq("name eq 'x' or 1", 1)


def test_query_params_in_odata_form() -> None:
    params = query_params(select=["smsb_name", "smsb_body"], filter=F.eq("smsb_direction", 1),
                          orderby=["createdon desc"], top=5, count=True)
    assert params == (
        ("$select", "smsb_name,smsb_body"),
        ("$filter", "smsb_direction eq 1"),
        ("$orderby", "createdon desc"),
        ("$top", "5"),
        ("$count", "true"),
    )


def test_prefer_header_combines_preferences() -> None:
    assert prefer_header() is None
    assert prefer_header(return_representation=True, include_annotations=True, max_page_size=50) == (
        'return=representation,odata.include-annotations="*",odata.maxpagesize=50'
    )
    with pytest.raises(ValueError, match="max_page_size"):
        prefer_header(max_page_size=5001)


def test_bind_values_and_owner_binds() -> None:
    assert bind("contacts", GUID) == f"/contacts({GUID})"
    assert owner_bind(team_id=GUID) == {"ownerid@odata.bind": f"/teams({GUID})"}
    assert owner_bind(user_id=GUID) == {"ownerid@odata.bind": f"/systemusers({GUID})"}
    with pytest.raises(ValueError, match="exactly one"):
        owner_bind()


def test_entity_id_is_read_from_the_odata_entityid_header() -> None:
    header = f"https://contoso.crm.dynamics.com/api/data/v9.2/smsb_messages({GUID})"
    assert entity_id_from_header(header) == GUID
    assert entity_id_from_header(None) is None
    assert entity_id_from_header("https://x/api/data/v9.2/smsb_messages(smsb_sid='a')") is None
