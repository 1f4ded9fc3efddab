"""A digest as a multipart e-mail: plain text and HTML (`multipart/alternative`), both rendered with
Jinja2 from templates/digest.txt and templates/digest.html; HTML values are escaped."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def shown(value: Any) -> str:
    """An evidence value as a reader wants it: lists joined, objects as `key value` pairs."""
    if isinstance(value, list | tuple):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {shown(v)}" for k, v in value.items())
    return str(value)


TEMPLATES.filters["shown"] = shown


def subject(context: dict[str, Any]) -> str:
    text = f"Rapport {context['cadence']} digest: {context['scope']}, {context['period_label']}"
    return " ".join(text.split())  # a team's name with a line break must not break the header


def message(context: dict[str, Any], *, sender: str, to: str) -> EmailMessage:
    """The e-mail of a digest whose content (content.gather) and labels are in `context`."""
    mail = EmailMessage()
    mail["Subject"] = subject(context)
    mail["From"] = sender
    mail["To"] = to
    mail["Message-ID"] = make_msgid(domain="rapport")
    mail.set_content(TEMPLATES.get_template("digest.txt").render(context))
    mail.add_alternative(TEMPLATES.get_template("digest.html").render(context), subtype="html")
    return mail
