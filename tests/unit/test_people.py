"""Person dicts, names and slugs of the importers (hand-written expectations)."""

from __future__ import annotations

from importers.people import make_person, normalise_name, profile_slug, slugify


def test_make_person_keeps_known_fields_only() -> None:
    person = make_person(
        profile_url=" www.linkedin.com/in/ada-example ", email="", name="Ada\xa0 Example ", company="  "
    )
    assert person == {"profile_url": "https://www.linkedin.com/in/ada-example", "name": "Ada Example"}
    assert make_person(email="Ada@Example.com", title="VP") == {"email": "ada@example.com", "title": "VP"}


def test_names_and_slugs() -> None:
    assert normalise_name("  ADA\xa0Example ") == normalise_name("ada example") == "ada example"
    assert slugify("Mrítyunjay Kumar 🇮🇳") == "mrityunjay-kumar"
    assert slugify("🇮🇳") == ""
    assert profile_slug("https://www.linkedin.com/in/Ada-Example/?x=1") == "ada-example"
    assert profile_slug("https://example.com/people/ada") == "example-com-people-ada"
