"""The core stays free of Qt: it imports, and its command runs, with PySide6 unavailable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_without_qt(code: str) -> subprocess.CompletedProcess[str]:
    prelude = "import sys; sys.modules['PySide6'] = None; sys.modules['desktop'] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_masking_imports_without_pyside6() -> None:
    modules = sorted(
        "masking." + ".".join(p.relative_to(ROOT / "masking").with_suffix("").parts)
        for p in (ROOT / "masking").rglob("*.py")
        if p.name != "__main__.py"
    )
    code = "import importlib\n" + "".join(
        f"importlib.import_module({m.removesuffix('.__init__')!r})\n" for m in modules
    ) + "assert not any(k.startswith('PySide6.') for k in sys.modules)\nprint('ok')"
    result = _run_without_qt(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_pyside6_blocked_really_blocks() -> None:
    result = _run_without_qt("import PySide6")
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr or "ImportError" in result.stderr


def test_cli_help_runs_without_pyside6() -> None:
    result = _run_without_qt("from masking.cli.main import run; raise SystemExit(run(['--version']))")
    assert result.returncode == 0
    assert "exportguard" in result.stdout
