"""The pure security decisions: depths, ownership kinds, administrators and impersonation's intersection."""

from __future__ import annotations

import pytest

from devstack.dataverse_emulator.security import (
    Depth,
    Principal,
    RowFacts,
    TableFacts,
    Units,
    decide,
    decide_impersonated,
    merge,
    privilege_name,
)

ROOT, SALES, SALES_WEST, SUPPORT = "bu-root", "bu-sales", "bu-sales-west", "bu-support"
UNITS = Units({ROOT: None, SALES: ROOT, SALES_WEST: SALES, SUPPORT: ROOT})
CONTACT = TableFacts("contact", "user")


def user(depth: Depth | None, *, unit: str = SALES, teams: frozenset[str] = frozenset()) -> Principal:
    privileges = {} if depth is None else {"prvReadcontact": depth}
    return Principal("me", unit, teams, merge([privileges]))


MINE = RowFacts(owner_user="me", business_unit=SALES)
MY_TEAMS = RowFacts(owner_team="team-1", business_unit=SALES)
COLLEAGUES = RowFacts(owner_user="colleague", business_unit=SALES)
BELOW = RowFacts(owner_user="west", business_unit=SALES_WEST)
ELSEWHERE = RowFacts(owner_user="support", business_unit=SUPPORT)


@pytest.mark.parametrize(("depth", "readable"), [
    (Depth.BASIC, {"mine", "my team's"}),
    (Depth.LOCAL, {"mine", "my team's", "a colleague's"}),
    (Depth.DEEP, {"mine", "my team's", "a colleague's", "a unit below's"}),
    (Depth.GLOBAL, {"mine", "my team's", "a colleague's", "a unit below's", "another unit's"}),
])
def test_each_depth_reaches_its_rows_and_no_further(depth: Depth, readable: set[str]) -> None:
    rows = {"mine": MINE, "my team's": MY_TEAMS, "a colleague's": COLLEAGUES, "a unit below's": BELOW,
            "another unit's": ELSEWHERE}
    me = user(depth, teams=frozenset({"team-1"}))
    allowed = {name for name, row in rows.items() if decide(me, "Read", CONTACT, row, UNITS).allowed}
    assert allowed == readable


def test_no_privilege_is_a_privilege_refusal_and_too_shallow_is_an_access_refusal() -> None:
    none = decide(user(None), "Read", CONTACT, MINE, UNITS)
    shallow = decide(user(Depth.LOCAL), "Read", CONTACT, ELSEWHERE, UNITS)
    assert (none.allowed, none.refusal, none.privilege) == (False, "privilege", "prvReadcontact")
    assert (shallow.allowed, shallow.refusal) == (False, "access")


def test_organization_owned_tables_need_only_the_privilege() -> None:
    table = TableFacts("smsb_configuration", "organization")
    reader = Principal("me", SALES, privileges=merge([{"prvReadsmsb_configuration": Depth.GLOBAL}]))
    assert decide(reader, "Read", table, RowFacts(), UNITS).allowed
    assert not decide(user(Depth.GLOBAL), "Read", table, RowFacts(), UNITS).allowed


def test_business_unit_owned_rows_belong_to_their_unit() -> None:
    table = TableFacts("team", "business_unit")
    local = Principal("me", SALES, privileges=merge([{"prvReadteam": Depth.BASIC}]))
    assert decide(local, "Read", table, RowFacts(business_unit=SALES), UNITS).allowed
    assert not decide(local, "Read", table, RowFacts(business_unit=SUPPORT), UNITS).allowed


def test_a_system_administrator_may_do_anything_and_unsecured_tables_ask_nothing() -> None:
    admin = Principal("admin", ROOT, administrator=True)
    assert decide(admin, "Delete", CONTACT, ELSEWHERE, UNITS).allowed
    assert decide(user(None), "Read", TableFacts("teammembership", "none"), None, UNITS).allowed


def test_roles_merge_at_their_deepest_grant_and_names_compare_without_case() -> None:
    merged = merge([{"prvReadContact": Depth.BASIC}, {"PRVREADCONTACT": Depth.DEEP}, {"prvWritecontact": Depth.LOCAL}])
    principal = Principal("me", SALES, privileges=merged)
    assert principal.depth(privilege_name("Read", "contact")) is Depth.DEEP
    assert principal.depth("prvWriteContact") is Depth.LOCAL
    assert privilege_name("Read", "activitypointer") == "prvReadActivity"
    assert privilege_name("Assign", "systemuser") == "prvAssignUser"


def test_impersonation_allows_only_what_both_users_may_do() -> None:
    app = Principal("app", ROOT, privileges=merge([{"prvReadcontact": Depth.GLOBAL}]))
    narrow_app = Principal("app", ROOT, privileges=merge([{"prvReadcontact": Depth.LOCAL}]))
    me = user(Depth.GLOBAL)
    shallow_me = user(Depth.LOCAL)
    assert decide_impersonated(app, me, "Read", CONTACT, ELSEWHERE, units=UNITS).allowed
    refused = decide_impersonated(app, shallow_me, "Read", CONTACT, ELSEWHERE, units=UNITS)
    assert (refused.allowed, refused.principal) == (False, "me")
    by_caller = decide_impersonated(narrow_app, me, "Read", CONTACT, ELSEWHERE, units=UNITS)
    assert (by_caller.allowed, by_caller.principal) == (False, "app")
    # impersonating oneself is no impersonation
    assert decide_impersonated(app, app, "Read", CONTACT, ELSEWHERE, units=UNITS).allowed


def test_depths_parse_from_role_files_and_role_editor_labels() -> None:
    assert [Depth.parse(t) for t in ("Basic", "Local", "Deep", "Global")] == list(Depth)
    assert Depth.parse("Parent: Child Business Unit") is Depth.DEEP
    with pytest.raises(ValueError, match="not a privilege depth"):
        Depth.parse("Everything")
