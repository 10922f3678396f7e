"""$filter agrees with a plain-Python reading of the same expression over generated rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api, Clock

NAMES = ["ada", "Ada", "grace", "o'neil", "", "zed"]
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}

row_lists = st.lists(
    st.fixed_dictionaries({"smsb_name": st.sampled_from(NAMES), "smsb_sessiontimeout": st.integers(0, 5)}),
    min_size=1,
    max_size=8,
)


Reference = Callable[[dict[str, Any]], bool]
Case = tuple[str, Reference]


@st.composite
def comparisons(draw: st.DrawFn) -> Case:
    if draw(st.booleans()):
        number = draw(st.integers(0, 5))
        op = draw(st.sampled_from(sorted(OPS)))
        return f"smsb_sessiontimeout {op} {number}", lambda r: OPS[op](r["smsb_sessiontimeout"], number)
    value = draw(st.sampled_from(NAMES))
    literal = "'" + value.replace("'", "''") + "'"
    if draw(st.booleans()):
        op = draw(st.sampled_from(["eq", "ne"]))
        return f"smsb_name {op} {literal}", lambda r: OPS[op](r["smsb_name"].casefold(), value.casefold())
    fn = draw(st.sampled_from(["contains", "startswith", "endswith"]))
    test = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}[fn]
    return f"{fn}(smsb_name,{literal})", lambda r: test(r["smsb_name"].casefold(), value.casefold())


def expressions() -> st.SearchStrategy[Case]:
    def combine(children: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
        pair = st.tuples(children, children)
        return st.one_of(
            pair.map(lambda p: (f"({p[0][0]}) and ({p[1][0]})", lambda r: p[0][1](r) and p[1][1](r))),
            pair.map(lambda p: (f"({p[0][0]}) or ({p[1][0]})", lambda r: p[0][1](r) or p[1][1](r))),
            children.map(lambda c: (f"not ({c[0]})", lambda r: not c[1](r))),
        )

    return st.recursive(comparisons(), combine, max_leaves=6)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=row_lists, expression=expressions())
def test_filter_matches_a_reference_evaluation(rows: list[dict[str, Any]], expression: Case) -> None:
    text, reference = expression
    emulator = DataverseEmulator(clock=Clock())
    ids = [emulator.store.insert("smsb_configuration", row) for row in rows]
    response = Api(emulator).get("smsb_configurations", query_string={"$filter": text, "$select": "smsb_name"})
    assert response.status_code == 200, (text, response.get_data(as_text=True))
    got = [r["smsb_configurationid"] for r in response.json["value"]]
    assert got == [i for i, row in zip(ids, rows, strict=True) if reference(row)], text
