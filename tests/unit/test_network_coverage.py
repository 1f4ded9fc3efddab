"""Buying-centre coverage with hand-computed expectations."""

from __future__ import annotations

from services.network import coverage as G

S = G.Stakeholder


def test_six_stakeholders_three_connected_one_never_answered() -> None:
    centre = [S("s1", "acme", "ann", "decision_maker"), S("s2", "acme", "ben", "economic_buyer"),
              S("s3", "acme", "cat", "champion"), S("s4", "acme", "dan", "influencer"),
              S("s5", "acme", "eve", "user"), S("s6", "acme", "fay", "user")]
    connected = {"ann", "cat", "eve"}  # three of six
    contacted = {"ann", "cat", "eve"}  # the rep wrote to all three
    two_way = {"ann", "cat"}  # eve never answered
    [entry] = G.coverage(centre, accounts={"acme": G.AccountInfo("Acme", "key")}, connected=connected,
                         contacted=contacted, two_way=two_way)
    assert entry["account_id"] == "acme" and entry["name"] == "Acme" and entry["tier"] == "key"
    assert (entry["stakeholders"], entry["connected"], entry["contacted"], entry["two_way"]) == (6, 3, 3, 2)
    assert entry["share_connected"] == 0.5
    assert entry["share_two_way"] == 0.3333
    assert entry["by_role"] == {
        "champion": {"stakeholders": 1, "connected": 1, "contacted": 1, "two_way": 1},
        "decision_maker": {"stakeholders": 1, "connected": 1, "contacted": 1, "two_way": 1},
        "economic_buyer": {"stakeholders": 1, "connected": 0, "contacted": 0, "two_way": 0},
        "influencer": {"stakeholders": 1, "connected": 0, "contacted": 0, "two_way": 0},
        "user": {"stakeholders": 2, "connected": 1, "contacted": 1, "two_way": 0},
    }


def test_accounts_are_ordered_and_people_outside_the_centre_do_not_count() -> None:
    centre = [S("s1", "b-corp", "ann", "champion"), S("s2", "a-corp", "ben", "user"),
              S("s3", "a-corp", None, "unknown")]  # a stakeholder without a person key (erased upstream)
    result = G.coverage(centre, accounts={}, connected={"ann", "ben", "zed"}, contacted=set(), two_way={"zed"})
    assert [e["account_id"] for e in result] == ["a-corp", "b-corp"]
    assert (result[0]["stakeholders"], result[0]["connected"], result[0]["share_connected"]) == (2, 1, 0.5)
    assert result[0]["two_way"] == 0 and result[0]["name"] is None


def test_account_known_only_from_a_meeting_has_no_shares() -> None:
    [entry] = G.coverage([], accounts={"acme": G.AccountInfo()}, connected=set(), contacted=set(), two_way=set())
    assert entry["stakeholders"] == 0 and entry["share_connected"] is None and entry["by_role"] == {}

