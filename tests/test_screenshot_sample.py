"""The screenshot tool's sample ships inside the package (an installed app has no resources/) and is
the generator's hidden_pii.xlsx byte for byte, so the two cannot drift apart."""

from __future__ import annotations

from pathlib import Path

from desktop.screenshots import SAMPLE, build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_the_packaged_sample_is_the_generated_one() -> None:
    assert SAMPLE.is_file()
    assert SAMPLE.read_bytes() == (ROOT / "resources" / "samples" / "hidden_pii.xlsx").read_bytes()


def test_the_tool_shows_the_packaged_sample_unless_told_otherwise(tmp_path: Path) -> None:
    assert build_parser().parse_args(["--out", str(tmp_path)]).sample == SAMPLE
    other = tmp_path / "客户.xlsx"
    assert build_parser().parse_args(["--out", str(tmp_path), "--sample", str(other)]).sample == other
