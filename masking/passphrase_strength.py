"""How hard a passphrase is to guess, judged where a user sets one (the keystore's, in the desktop app).

The estimate is zxcvbn's (Dropbox's estimator; the maintained pure-Python port, no dependencies): it
counts the guesses an attacker ordering candidates sensibly would need, and so sees what length and
character-class rules do not: common passwords (``password1``), keyboard walks (``qwertyuiop``),
repeats, sequences, dates and years, names, and the organisation's own name. Its advice is English
prose, so the result here is a record of codes (:class:`Strength`) that each front end words itself.

The minimum: at least :data:`MIN_LENGTH` characters and zxcvbn's score 3 ("safely unguessable",
about 10^8 guesses and more), which the scrypt-wrapped keystore turns into years of work offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from masking.keys import MIN_MANAGED_PASSPHRASE

MIN_LENGTH = MIN_MANAGED_PASSPHRASE  # the length a managed workstation's keystore already demands: one rule
MIN_SCORE = 3
MAX_JUDGED = 100  # zxcvbn's cost grows fast with length; a longer passphrase is judged on its first 100

# zxcvbn's match patterns (and dictionary names) -> what the user is told to avoid
_PATTERNS = {"spatial": "keyboard", "repeat": "repeat", "sequence": "sequence", "date": "date", "regex": "year"}
_DICTIONARIES = {"passwords": "common", "user_inputs": "own_name", "surnames": "name", "male_names": "name",
                 "female_names": "name"}


@dataclass(frozen=True)
class Strength:
    """``score`` 0 (guessed at once) to 4 (very hard); ``avoid``: what made it weaker, as codes
    (too_short, common, name, own_name, keyboard, repeat, sequence, date, year). Ordinary words are not
    listed: several unrelated ones are what a good passphrase is made of."""

    score: int
    guesses_log10: float
    avoid: tuple[str, ...]

    @property
    def acceptable(self) -> bool:
        return self.score >= MIN_SCORE and "too_short" not in self.avoid


def passphrase_strength(passphrase: str, context: Sequence[str] = ()) -> Strength:
    """The strength of ``passphrase``; ``context``: words it must not lean on (the organisation's name)."""
    import zxcvbn

    judged = passphrase[:MAX_JUDGED]
    if not judged:
        return Strength(0, 0.0, ("too_short",))
    result = zxcvbn.zxcvbn(judged, user_inputs=[word for word in context if word.strip()])
    avoid: list[str] = ["too_short"] if len(passphrase) < MIN_LENGTH else []
    for match in result["sequence"]:
        pattern = match.get("pattern")
        code = (_DICTIONARIES.get(match.get("dictionary_name", "")) if pattern == "dictionary"
                else _PATTERNS.get(str(pattern)))
        if code is not None and code not in avoid:
            avoid.append(code)
    return Strength(int(result["score"]), float(result["guesses_log10"]), tuple(avoid))
