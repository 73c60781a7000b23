"""Custom document properties are read safely: decrypt and trace both open files they did not write."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from masking.errors import InputError
from masking.io.properties import read_custom_properties
from masking.io.writer import open_writer

_CUSTOM = (
    '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{body}</Properties>'
)


def _package(path: Path, custom: str | None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if custom is not None:
            archive.writestr("docProps/custom.xml", custom)
    return path


def test_properties_written_by_our_writer_read_back(tmp_path: Path) -> None:
    with open_writer(tmp_path / "o.xlsx", "xlsx") as book:
        book.add_sheet("s", ["a"]).write_rows([["1"]])
        book.set_custom_properties({"ExportGuard.ExportId": "EX-1", "n": 3})
    assert read_custom_properties(tmp_path / "o.xlsx") == {"ExportGuard.ExportId": "EX-1", "n": "3"}


def test_no_custom_part_means_no_properties(tmp_path: Path) -> None:
    assert read_custom_properties(_package(tmp_path / "p.xlsx", None)) == {}


def test_entity_payload_and_junk_are_input_errors(tmp_path: Path) -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
              + _CUSTOM.format(body='<property name="x"><vt:lpwstr>&b;</vt:lpwstr></property>').split("?>", 1)[1])
    with pytest.raises(InputError):
        read_custom_properties(_package(tmp_path / "bomb.xlsx", laughs))
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"junk\.xlsx"):
        read_custom_properties(tmp_path / "junk.xlsx")
