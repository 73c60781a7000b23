"""Reading the small reference tables shipped in ``masking/data/``.

The tables are UTF-8 text: one record a line, fields separated by tabs, ``#`` starting a comment
line. Callers cache what they build from them (``functools.cache`` on their loader functions).
"""

from __future__ import annotations

from importlib import resources


def read_text(name: str) -> str:
    """The text of the data file ``name`` (e.g. ``"regions.tsv"``)."""
    return resources.files("masking").joinpath("data", name).read_text(encoding="utf-8")


def read_tsv(name: str, *, columns: int) -> list[tuple[str, ...]]:
    """The records of a tab-separated data file, each exactly ``columns`` fields long.

    Raises ValueError naming the file and line when a record has another number of fields, so a
    broken data file fails loudly at first use instead of yielding short records.
    """
    records: list[tuple[str, ...]] = []
    for number, line in enumerate(read_text(name).splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = tuple(line.split("\t"))
        if len(fields) != columns:
            raise ValueError(f"{name}:{number}: expected {columns} fields, found {len(fields)}")
        records.append(fields)
    return records
