"""Chinese personal names as data: surnames with their frequency, and given-name characters.

Read from ``data/surnames.tsv`` and ``data/given_name_chars.txt``; used to make fictitious names,
to recognise names in free text and to pseudonymize a name into another plausible one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from masking.datafiles import read_text, read_tsv


@dataclass(frozen=True, slots=True)
class Surname:
    text: str
    per_10k: float  # approximate share of the population per 10,000 people
    word: bool = False  # also an everyday word on its own (和, 国, 平): a name only where context says so

    @property
    def compound(self) -> bool:
        return len(self.text) > 1


@cache
def surnames() -> tuple[Surname, ...]:
    """Common surnames, most frequent first: single (王 李 张 ...) then compound (欧阳 司马 ...)."""
    return tuple(Surname(text, float(weight), flag == "word")
                 for text, weight, flag in read_tsv("surnames.tsv", columns=3))


@cache
def single_surnames() -> frozenset[str]:
    return frozenset(s.text for s in surnames() if not s.compound)


@cache
def unambiguous_single_surnames() -> frozenset[str]:
    """The single surnames that are not everyday words: enough on their own to read a text as a name."""
    return frozenset(s.text for s in surnames() if not s.compound and not s.word)


@cache
def compound_surnames() -> frozenset[str]:
    return frozenset(s.text for s in surnames() if s.compound)


@cache
def given_name_chars() -> tuple[str, ...]:
    """Characters common in given names, without duplicates, in file order."""
    text = "\n".join(line for line in read_text("given_name_chars.txt").splitlines() if not line.startswith("#"))
    return tuple(dict.fromkeys(text.split()))
