"""Keyed, consistent pseudonyms that keep the shape of what they replace.

* A **word** (a run of letters) becomes a word of the same length with the same case pattern,
  keyed on its NFKC case-folded form: ``Ada``, ``ADA`` and ``ada`` become ``Kel``, ``KEL`` and
  ``kel``, so names still match case-insensitively across files. Words with letters outside ASCII
  get accented Latin letters, so the multi-byte paths of the readers stay exercised.
* A **digit run** becomes a digit run of the same length.
* A **token** (a profile handle, an e-mail's local part, a conversation id) is replaced as a whole,
  keyed on its lower-cased form: each letter and digit is replaced, every other character kept.
* Pseudonyms come from HMAC-SHA256 under a secret, so the same secret gives the same output and
  nobody without it can map a pseudonym back by hashing a list of names. A run keeps one table:
  two different inputs never get the same pseudonym (a collision is re-drawn), except where the
  space is exhausted (single letters).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

CONSONANTS = "bcdfghjklmnprstvwxz"
VOWELS = "aeiouy"
ACCENTED = "àáâäçèéêëìíîïñòóôöùúûüý"
DIGITS = "0123456789"


def fold(text: str) -> str:
    """The comparison form of a word: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


class Pseudonyms:
    """One table of pseudonyms under one secret (see the module docstring)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the secret must be at least 16 bytes")
        self._secret = secret
        self._given: dict[tuple[str, str], str] = {}
        self._taken: dict[tuple[str, int], set[str]] = {}

    def _stream(self, namespace: str, key: str, attempt: int, length: int) -> bytes:
        out = b""
        block = 0
        while len(out) < length:
            message = f"{namespace}|{attempt}|{block}|{key}".encode()
            out += hmac.new(self._secret, message, hashlib.sha256).digest()
            block += 1
        return out[:length]

    def _draw(self, namespace: str, key: str, length: int, make: str) -> str:
        """A pseudonym for ``key``: ``make`` is the class of each position (``c``onsonant/vowel
        alternation ``w``, ``d``igit, ``a``ccented letter, ``l``etter or digit)."""
        key = f"{length}:{key}"  # folding may change the length (``ß`` -> ``ss``)
        given = self._given.get((namespace, key))
        if given is not None:
            return given
        taken = self._taken.setdefault((namespace, length), set())
        for attempt in range(64):
            stream = self._stream(namespace, key, attempt, length)
            value = "".join(_pick(make[i], stream[i], i) for i in range(length))
            if value not in taken:
                break
        taken.add(value)
        self._given[(namespace, key)] = value
        return value

    def word(self, word: str) -> str:
        """A run of letters -> a pronounceable run of the same length and case pattern."""
        key = fold(word)
        make = "a" if any(ord(char) > 127 for char in word) else "w"
        drawn = self._draw("word", key, len(word), make * len(word))
        return "".join(new.upper() if old.isupper() else new for old, new in zip(word, drawn, strict=True))

    def digits(self, run: str) -> str:
        """A run of digits -> a run of the same length."""
        return self._draw("digits", run, len(run), "d" * len(run))

    def token(self, token: str) -> str:
        """A whole token: letters and digits replaced by class, other characters kept."""
        key = token.lower()
        make = "".join("d" if c.isdigit() else "l" if c.isalpha() else "-" for c in token)
        drawn = self._draw("token", key, len(token), make)
        return "".join(
            old if not old.isalnum() else new.upper() if old.isupper() else new
            for old, new in zip(token, drawn, strict=True)
        )


def _pick(kind: str, byte: int, position: int) -> str:
    if kind == "w":
        alphabet = VOWELS if position % 2 else CONSONANTS
    elif kind == "a":
        alphabet = ACCENTED if position % 2 else CONSONANTS
    elif kind == "d":
        alphabet = DIGITS
    elif kind == "l":
        alphabet = CONSONANTS + VOWELS
    else:
        return "-"
    return alphabet[byte % len(alphabet)]
