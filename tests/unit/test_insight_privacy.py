"""Which data about a person an erasure request reaches: keys and mentions in free text."""

from __future__ import annotations

from services.insight.privacy import Target, full_name, mentions, person_keys, target_of


def test_a_person_is_known_by_every_key_it_gives() -> None:
    assert person_keys({"profile_url": "https://www.LinkedIn.com/in/Ada/?x=1", "email": " Ada@Example.com "}) == {
        "linkedin.com/in/ada", "ada@example.com"}
    assert person_keys({"email": "a@b.c"}) == {"a@b.c"}
    assert person_keys({"profile_url": "  "}) == frozenset()


def test_target_matches_a_person_by_any_key() -> None:
    target = target_of({"profile_url": "linkedin.com/in/ada", "email": "ada@example.com", "name": "Ada Lovelace"})
    assert target.matches({"email": "ADA@example.com"})
    assert target.matches({"profile_url": "http://www.linkedin.com/in/Ada/"})
    assert not target.matches({"profile_url": "linkedin.com/in/adam"})
    assert not target.matches("ada@example.com")


def test_mentions_keys_and_full_names_not_parts_of_words() -> None:
    target = Target(frozenset({"linkedin.com/in/ada", "ada@example.com"}), frozenset({"ada lovelace"}))
    assert mentions("Met https://www.linkedin.com/in/ada/ at the fair", target)
    assert mentions("mail ADA@example.com.", target)
    assert mentions("Ada\n  Lovelace wants a demo", target)
    assert not mentions("see linkedin.com/in/adam", target)
    assert not mentions("Ada from finance", target)  # a first name alone is not enough
    assert not mentions("Ada Lovelaces", target)


def test_full_name_needs_two_words() -> None:
    assert full_name("  Ada   Lovelace ") == "ada lovelace"
    assert full_name("Ada") is None and full_name(None) is None
