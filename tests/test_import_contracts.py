"""Import contracts, read from the source (every import, at module level or inside a function):
the core never imports the desktop app or Qt; only the crypto recipes import the primitives; only
the crypto layer imports ``cryptography``. And what a command's start-up leaves out (every command,
an export too, builds the whole parser before it runs)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(package: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): _imports(p) for p in sorted((ROOT / package).rglob("*.py"))}


def _offenders(package: str, forbidden: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    return [path for path, names in _modules(package).items()
            if path not in allowed and any(n == forbidden or n.startswith(forbidden + ".") for n in names)]


def test_the_core_never_imports_the_desktop_app_or_qt() -> None:
    assert _offenders("masking", "desktop") == []
    assert _offenders("masking", "PySide6") == []


HAZMAT = frozenset(str(p.relative_to(ROOT)) for p in (ROOT / "masking" / "_hazmat").rglob("*.py"))


def test_only_the_crypto_recipes_use_the_primitives() -> None:
    assert HAZMAT, "masking/_hazmat holds the primitives"
    assert _offenders("masking", "masking._hazmat", HAZMAT | {"masking/crypto.py"}) == []
    assert _offenders("desktop", "masking._hazmat") == []


def test_only_the_crypto_layer_imports_cryptography() -> None:
    assert _offenders("masking", "cryptography", HAZMAT | {"masking/crypto.py"}) == []


@pytest.mark.parametrize("source", ["import desktop.app\n", "def f():\n    from desktop import app\n",
                                    "from masking._hazmat.siv import AesSiv\n"])
def test_the_reader_sees_every_form_of_import(tmp_path: Path, source: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    assert _imports(path) & {"desktop.app", "desktop", "masking._hazmat.siv"}


def test_the_gui_command_finds_the_app_through_its_entry_point() -> None:
    pytest.importorskip("PySide6")
    from desktop.app import main
    from masking.cli.gui_cmd import desktop_main

    assert desktop_main() is main


# Modules only some commands need: the evidence service's HTTP stack (an export without a service),
# the trace's investigation and report, the desktop's entry-point lookup.
NOT_AT_START_UP = ("urllib.request", "ssl", "http.client", "importlib.metadata", "masking.investigation",
                   "masking.evidence.remote_trace", "masking.report", "masking.watermark.trace")


def test_the_command_line_starts_without_what_only_some_commands_need() -> None:
    probe = ("import sys\n"
             "from masking.cli.main import build_parser\n"
             "build_parser()\n"
             "import masking.pipeline\n"
             f"print(sorted(set({NOT_AT_START_UP!r}) & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


# A transform worker (python -m masking.transform_worker) imports the transform step only: not the scan,
# the policy's scan-time code or the xlsx parts (a plan unpickles without them).
NOT_IN_THE_WORKER = ("masking.detect.scan", "masking.detect.outside", "masking.detect.columns", "masking.io.xlsx_parts",
                     "masking.pipeline")


def test_the_transform_worker_starts_without_the_scan() -> None:
    probe = ("import sys\n"
             "import masking.transform_worker\n"
             "from masking.transform import serve\n"
             f"print(sorted(set({NOT_IN_THE_WORKER!r}) & set(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_the_detect_package_gives_every_name_it_lists() -> None:
    import importlib

    from masking import detect

    assert set(detect.__all__) == set(detect._HOMES)
    for name in detect.__all__:
        assert getattr(detect, name) is getattr(importlib.import_module(detect._HOMES[name]), name)
    with pytest.raises(AttributeError):
        _ = detect.no_such_name
