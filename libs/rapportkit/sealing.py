"""Sealing events for the topics and opening them back (crypto-shredding, docs/privacy.md).

`seal_events` is called where events are serialised for an outbox (rapportkit.outbox): the fields
of `data` the catalog marks personal, every field it does not declare, and a `subject` that is not
one of the event's clear ids leave the event and travel in the `rapportsealed` extension attribute,
AES-256-GCM under the keys of the event's person (rapportkit.keyring). An event that names no
person is sealed under a key of its own when it carries personal text (a note: the service that
finds a person mentioned in it destroys that key, `forget_texts`), else under its tenant's key.
`open_events` (the consumer loop, the gateway's stream, replays, tests) puts them back. A field
whose key was destroyed (erasure) opens to the erased form: the person becomes `{"email":
"erased:<key id>"}`, the same for every event of that key so that a replay keeps the counts;
required personal text becomes empty; the rest of the sealed fields and the subject are gone.
The erased form still validates against the event's schema.

Attribute: `1.<key ids>.<declared personal fields sealed>.<nonce>.<ciphertext>` (base64url). A
person known by several keys (profile URL, e-mail, name and company: `people.erasure_keys`) is
sealed under all of them (`+`-joined ids, the person key's first; the cipher key derived from all),
so an erasure request naming any one of them shreds it. The additional data binds the seal to the
tenant, the event id, the key ids and that field list, so a sealed value moved to another event or
tenant does not open.
"""

from __future__ import annotations

import base64
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rapportkit import jsonutil, keyring
from rapportkit.catalog import EVENT_TYPES, SEALED_ATTRIBUTE, EventType
from rapportkit.envelope import Event
from rapportkit.keyring import TENANT_KEY, Key, Keyring  # noqa: F401 - the module too, for `default`
from rapportkit.people import erasure_keys, person_key_or_none

VERSION = "1"
ERASED_PREFIX = "erased:"


class SealBroken(ValueError):
    """A `rapportsealed` attribute that is malformed or does not authenticate (not a forgotten key)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(tenant_id: str, event_id: str, key_id: str, fields: str) -> bytes:
    return f"{tenant_id}\n{event_id}\n{key_id}\n{fields}".encode()


def person_keys_of(et: EventType, data: Mapping[str, Any]) -> list[str]:
    """The person keys the event's personal fields are sealed under, its person key first: every
    key an erasure request for the person reaches (rapportkit.people.erasure_keys), so that the
    request naming any one of them shreds the event. Empty when it names no person (the tenant key)."""
    found: Any = data
    for step in et.person_at:
        found = found.get(step) if isinstance(found, Mapping) else None
    if isinstance(found, str):  # a person key already (alert evidence)
        return [found] if found.strip() else []
    first = person_key_or_none(found)
    if first is None:
        return []
    return [first, *sorted(erasure_keys(found) - {first})]


def text_key(event_id: str) -> str:
    """The keyring entry of an event's personal text that names no person (a note about an account):
    a key of its own, which the service that finds the person mentioned in it destroys (`forget_texts`)."""
    return f"\x00text:{event_id}"


def forget_texts(tenant_id: str, event_ids: Iterable[str]) -> int:
    """Erasure of personal text tied to no person: destroy the keys of these events' text."""
    return keyring.default().forget(tenant_id, [text_key(i) for i in event_ids])


def _box(keys: list[Key]) -> AESGCM:
    """The cipher of a seal under several keys: a key derived from all of them (HKDF-SHA256), so
    destroying any one of them makes it unopenable."""
    if len(keys) == 1:
        return AESGCM(keys[0].secret)
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"rapport-seal-v1").derive(
        b"".join(k.secret for k in keys))
    return AESGCM(derived)


def _split(event: Event) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(what stays in clear, what is sealed) of an event, or None when it has nothing to seal."""
    et = EVENT_TYPES.get(event.get("type", ""))
    data = event.get("data")
    if et is None or not et.sealed or not isinstance(data, dict) or SEALED_ATTRIBUTE in event:
        return None
    clear_names = et.clear_fields
    clear = {k: v for k, v in data.items() if k in clear_names}
    sealed: dict[str, Any] = {k: v for k, v in data.items() if k not in clear_names}
    subject = event.get("subject")
    safe_subjects = {str(v) for v in clear.values() if isinstance(v, str | int)}
    secret: dict[str, Any] = {"data": sealed}
    if subject is not None and str(subject) not in safe_subjects:
        secret["subject"] = subject
    if not sealed and "subject" not in secret:
        return None
    if isinstance(sealed.get("text"), str) and "length" in et.data.get("properties", {}) and "length" not in clear:
        clear["length"] = len(sealed["text"])  # a message keeps its length when its text is erased
    return clear, secret


def seal_events(events: list[Event], keyring: Keyring) -> list[Event]:
    """The events as they go to the outbox and the topics: personal fields sealed. The keys are
    fetched (or created) once per tenant for the whole batch."""
    plans: list[tuple[Event, tuple[dict[str, Any], dict[str, Any]] | None, list[str]]] = []
    wanted: dict[str, set[str]] = defaultdict(set)
    links: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for event in events:
        split = _split(event)
        who: list[str] = []
        if split is not None:
            et = EVENT_TYPES[event["type"]]
            who = person_keys_of(et, event["data"]) or (
                [text_key(event["id"])] if set(et.personal_fields) & set(split[1]["data"]) else [TENANT_KEY])
            wanted[event["tenantid"]].update(who)
            links[event["tenantid"]].update((who[0], other) for other in who[1:])
        plans.append((event, split, who))
    keys = {tenant: keyring.keys_for(tenant, people, links[tenant]) for tenant, people in wanted.items()}
    boxes: dict[tuple[str, ...], AESGCM] = {}  # one cipher per key set in a batch (a person's events share it)
    return [event if split is None else seal(event, split, [keys[event["tenantid"]][w] for w in who], boxes)
            for event, split, who in plans]


def seal(event: Event, split: tuple[dict[str, Any], dict[str, Any]], keys: list[Key],
         boxes: dict[tuple[str, ...], AESGCM] | None = None) -> Event:
    """The event with `split`'s secret part sealed under `keys` (the first names the pseudonym)."""
    clear, secret = split
    et = EVENT_TYPES[event["type"]]
    fields = ",".join(f for f in et.personal_fields if f in secret["data"])
    key_ids = "+".join(k.key_id for k in keys)
    nonce = os.urandom(12)
    cipher = (boxes or {}).get(tuple(k.key_id for k in keys)) or _box(keys)
    if boxes is not None:
        boxes[tuple(k.key_id for k in keys)] = cipher
    box = cipher.encrypt(nonce, jsonutil.dumps(secret), _aad(event["tenantid"], event["id"], key_ids, fields))
    sealed = {k: v for k, v in event.items() if k != "subject" or "subject" not in secret}
    sealed["data"] = clear
    sealed[SEALED_ATTRIBUTE] = ".".join((VERSION, key_ids, fields, _b64(nonce), _b64(box)))
    return sealed


def _parts(attribute: Any) -> tuple[str, str, str, bytes] | None:
    if not isinstance(attribute, str):
        return None
    parts = attribute.split(".")
    if len(parts) != 5 or parts[0] != VERSION:
        return None
    try:
        return parts[1], parts[2], parts[3], _unb64(parts[4]) if parts[3] else b""
    except ValueError:
        return None


def key_ids_of(event: Mapping[str, Any]) -> list[str]:
    parts = _parts(event.get(SEALED_ATTRIBUTE))
    return parts[0].split("+") if parts else []


def open_events(events: Iterable[Any], keyring: Keyring) -> list[Any]:
    """The events opened, their keys fetched in one query for the batch; an event without the
    attribute (or not an event at all) is returned as it is. Raises `SealBroken` for an attribute
    that is malformed or fails to authenticate; use `open_or_error` to handle events one by one."""
    opened = []
    for event, result in zip(events, open_each(events, keyring), strict=True):
        if isinstance(result, SealBroken):
            raise result
        opened.append(result if result is not None else event)
    return opened


def open_each(events: Iterable[Any], keyring: Keyring) -> list[Any]:
    """Like `open_events`, one result per event: the opened event, or the `SealBroken` of that event."""
    events = list(events)
    pairs = {(e["tenantid"], key_id) for e in events if isinstance(e, dict) and isinstance(e.get("tenantid"), str)
             for key_id in key_ids_of(e)}
    keys = keyring.keys_by_id(pairs) if pairs else {}
    results: list[Any] = []
    boxes: dict[tuple[str, ...], AESGCM] = {}
    for event in events:
        try:
            results.append(open_event(event, keys, boxes))
        except SealBroken as exc:
            results.append(exc)
    return results


def opened(payload: bytes) -> Any:
    """A stored or published event (an outbox row's payload, a message's value) opened with the
    process's keyring."""
    return open_events([jsonutil.loads(payload)], keyring.default())[0]


def open_event(event: Any, keys: Mapping[tuple[str, str], Key],
               boxes: dict[tuple[str, ...], AESGCM] | None = None) -> Any:
    """One event opened with the keys at hand; the erased form when its key is not among them."""
    if not isinstance(event, dict) or SEALED_ATTRIBUTE not in event:
        return event
    parts = _parts(event[SEALED_ATTRIBUTE])
    if parts is None:
        raise SealBroken(f"{SEALED_ATTRIBUTE}: malformed")
    key_ids, fields, nonce_text, box = parts
    rest = {k: v for k, v in event.items() if k != SEALED_ATTRIBUTE}
    data = dict(rest.get("data") or {})
    found = [keys.get((str(event.get("tenantid")), key_id)) for key_id in key_ids.split("+")]
    if None in found:  # a key destroyed: erased
        return {**rest, "data": erased_data(event.get("type", ""), data, key_ids.split("+")[0],
                                            fields.split(",") if fields else [])}
    present = [k for k in found if k is not None]
    cipher = (boxes or {}).get(tuple(k.key_id for k in present)) or _box(present)
    if boxes is not None:
        boxes[tuple(k.key_id for k in present)] = cipher
    try:
        plain = cipher.decrypt(
            _unb64(nonce_text), box, _aad(event["tenantid"], event["id"], key_ids, fields))
    except (InvalidTag, ValueError, KeyError) as exc:
        raise SealBroken(f"{SEALED_ATTRIBUTE}: does not open with its key ({exc.__class__.__name__})") from exc
    secret = jsonutil.loads(plain)
    opened = {**rest, "data": {**data, **secret["data"]}}
    if "subject" in secret:
        opened["subject"] = secret["subject"]
    return opened


def pseudonym(key_id: str) -> dict[str, str]:
    """The person of an erased event: the same for every event sealed under that key."""
    return {"email": ERASED_PREFIX + key_id}


def erased_data(event_type: str, clear: dict[str, Any], key_id: str, fields: list[str]) -> dict[str, Any]:
    """`data` of an event whose key is forgotten: the person a pseudonym, required personal fields
    empty, every other sealed field gone."""
    et = EVENT_TYPES.get(event_type)
    if et is None:
        return clear
    data = dict(clear)
    properties = et.data.get("properties", {})
    for name in fields:
        if name == "person":
            data["person"] = pseudonym(key_id)
        elif name in et.data.get("required", ()):
            kind = properties.get(name, {}).get("type")
            data[name] = {} if kind == "object" else [] if kind == "array" else ""
    return data
