"""Whether this home is enrolled with an evidence service, and how far the service has acknowledged
its ledger (``service.json`` in the home folder; written atomically)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from masking.errors import InputError
from masking.io.atomic import atomic_output

LINK_FILE = "service.json"


@dataclass(frozen=True)
class ServiceLink:
    url: str
    workstation_id: int
    name: str  # the name the office gave this workstation
    enrolled: str
    acked_seq: int = 0  # the highest own ledger record the service has stored
    last_sync: str = ""
    ca_file: str | None = None

    def acknowledged(self, seq: int, when: str) -> ServiceLink:
        return replace(self, acked_seq=max(self.acked_seq, seq), last_sync=when)


def load_link(home: Path) -> ServiceLink | None:
    path = home / LINK_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServiceLink(str(data["url"]), int(data["workstation_id"]), str(data["name"]), str(data["enrolled"]),
                           int(data.get("acked_seq", 0)), str(data.get("last_sync", "")), data.get("ca_file"))
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"{path}: not a readable service link; enroll again") from None


def save_link(home: Path, link: ServiceLink) -> None:
    with atomic_output(home / LINK_FILE, overwrite=True) as temp:
        temp.write_text(json.dumps(asdict(link), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
