"""How hard a passphrase is to guess, judged where a user sets one (the keystore's, in the desktop app).

The estimate is zxcvbn's (Dropbox's estimator; the maintained pure-Python port, no dependencies): it
counts the guesses an attacker ordering candidates sensibly would need, and so sees what length and
character-class rules do not: common passwords (``password1``), keyboard walks (``qwertyuiop``),
repeats, sequences, dates and years, names, and the organisation's own name. Its advice is English
prose, so the result here is a record of codes (:class:`Strength`) that each front end words itself.

The minimum: at least :data:`MIN_LENGTH` characters and zxcvbn's score 3 ("safely unguessable",
about 10^8 guesses and more), which the scrypt-wrapped keystore turns into years of work offline.
:attr:`Strength.acceptable` is that rule, and the one rule: the desktop's passphrase dialogs keep OK
disabled below it, and the command line refuses a new passphrase below it through
:func:`require_strong` (:class:`WeakPassphrase`, exit 2: the value given is refused, as a malformed
option is), naming what is weak and never echoing the passphrase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from masking.errors import UsageError
from masking.keys import MIN_MANAGED_PASSPHRASE

MIN_LENGTH = MIN_MANAGED_PASSPHRASE  # the length a managed workstation's keystore already demands: one rule
MIN_SCORE = 3
MAX_JUDGED = 100  # zxcvbn's cost grows fast with length; a longer passphrase is judged on its first 100

# zxcvbn's match patterns (and dictionary names) -> what the user is told to avoid
_PATTERNS = {"spatial": "keyboard", "repeat": "repeat", "sequence": "sequence", "date": "date", "regex": "year"}
_DICTIONARIES = {"passwords": "common", "user_inputs": "own_name", "surnames": "name", "male_names": "name",
                 "female_names": "name"}
# each code in the command line's words (the desktop words them in the user's language: desktop/dialogs.py)
AVOID_WORDS = {
    "too_short": f"it is shorter than {MIN_LENGTH} characters",
    "common": "it is a commonly used password",
    "name": "it contains a name",
    "own_name": "it contains the organisation's name",
    "keyboard": "it follows the keyboard",
    "repeat": "it repeats characters",
    "sequence": "it contains a sequence such as abc or 123",
    "date": "it contains a date",
    "year": "it contains a year",
}


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


class WeakPassphrase(UsageError):
    """A new passphrase below the minimum; the message names what made it weak, never the passphrase."""


def require_strong(passphrase: str, what: str, context: Sequence[str] = ()) -> str:
    """``passphrase`` when it reaches the minimum, else :class:`WeakPassphrase` naming ``what`` it is for
    and what is weak: ``the keystore passphrase is too easy to guess (it is a commonly used password): ...``."""
    strength = passphrase_strength(passphrase, context)
    if strength.acceptable:
        return passphrase
    reasons = "; ".join(AVOID_WORDS[code] for code in strength.avoid if code in AVOID_WORDS)
    raise WeakPassphrase(f"the {what} is too easy to guess (strength {strength.score} of 4, at least {MIN_SCORE} "
                         f"needed{': ' + reasons if reasons else ''}); use four or more unrelated words, or a "
                         "sentence only you would write")
