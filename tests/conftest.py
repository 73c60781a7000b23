"""Shared test set-up: Qt runs offscreen, and no test touches the real home folder."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The evidence service's fixtures: a throwaway PostgreSQL database and the service in a thread.
pytest_plugins = ["evidence_service", "memory_keyring"]


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point EXPORTGUARD_HOME at a fresh folder so tests never read or write the user's keys."""
    monkeypatch.setenv("EXPORTGUARD_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("EXPORTGUARD_PASSPHRASE", raising=False)
