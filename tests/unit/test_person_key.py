"""Person keys per docs/contracts.md, with hand-written expectations."""

from __future__ import annotations

import pytest

from rapportkit.people import erasure_keys, is_weak, person_key, weak_keys


@pytest.mark.parametrize(
    ("person", "key"),
    [
        ({"profile_url": "https://www.LinkedIn.com/in/Ada-Lovelace/"}, "linkedin.com/in/ada-lovelace"),
        ({"profile_url": "http://linkedin.com/in/ada?trk=public#about"}, "linkedin.com/in/ada"),
        ({"profile_url": "linkedin.com/in/ada/", "email": "x@y.z"}, "linkedin.com/in/ada"),
        ({"profile_url": "https://www.linkedin.com:443/in/ada//"}, "linkedin.com/in/ada"),
        ({"profile_url": "https://user@www.linkedin.com/in/Ada"}, "linkedin.com/in/ada"),
        ({"profile_url": "www.linkedin.com/in/ada-example/"}, "linkedin.com/in/ada-example"),
        ({"profile_url": "  ", "email": " Ada@Example.COM "}, "ada@example.com"),
        ({"email": "ada@example.com", "name": "Ada"}, "ada@example.com"),
    ],
)
def test_person_key(person: dict[str, str], key: str) -> None:
    assert person_key(person) == key


def test_person_known_by_name_has_a_weak_key() -> None:
    assert person_key({"name": " Ada\xa0 LOVELACE ", "company": "Acme  Ltd"}) == "name:ada lovelace|acme ltd"
    assert person_key({"name": "Ada Lovelace", "title": "CTO"}) == "name:ada lovelace"
    assert is_weak("name:ada lovelace") and not is_weak("linkedin.com/in/ada")
    assert weak_keys({"profile_url": "https://x.example/in/ada", "name": "Ada Lovelace", "company": "Acme"}) == [
        "name:ada lovelace|acme", "name:ada lovelace"]


def test_person_without_url_email_or_name_has_no_key() -> None:
    for person in ({"name": "  "}, {"title": "CTO"}, {"company": "Acme"}):
        with pytest.raises(ValueError):
            person_key(person)


def test_erasure_keys_reach_the_weak_identity_only_when_the_request_names_it_precisely() -> None:
    url, email = "https://www.linkedin.com/in/Ada/", "Ada@Example.com"
    assert erasure_keys({"profile_url": url, "email": email, "name": "Ada Lovelace"}) == {
        "linkedin.com/in/ada", "ada@example.com"}, "a bare name beside a URL may be somebody else's"
    assert erasure_keys({"profile_url": url, "name": "Ada Lovelace", "company": "Engines"}) == {
        "linkedin.com/in/ada", "name:ada lovelace|engines"}
    assert erasure_keys({"name": "Ada  LOVELACE"}) == {"name:ada lovelace"}
    assert erasure_keys({"name": "Ada Lovelace", "company": "Engines"}) == {"name:ada lovelace|engines"}
    assert erasure_keys({"company": "Engines"}) == frozenset()
