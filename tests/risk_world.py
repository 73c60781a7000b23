"""A residents file for the re-identification tests and screenshots: names and mobiles (direct
identifiers), an address in one of two districts, a birth year and a sex (quasi-identifiers), and a
monthly bill (a sensitive attribute). With a few hundred rows most (district, birth year, sex)
groups are smaller than 5; in 5-year bands all are, but for three residents born in 1921, whom only
leaving them out protects."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from masking import synth

HEADERS = ("姓名", "手机号码", "地址", "出生年份", "性别", "电费")
DISTRICTS = ("江苏省南京市玄武区", "江苏省南京市鼓楼区")


def write_residents(path: Path, rows: int = 600, seed: int = 11) -> list[tuple[str, int, str]]:
    """The CSV (UTF-8 with BOM); returns each row's (district, birth year, sex) in order."""
    rng = random.Random(seed)
    people = [(rng.choice(DISTRICTS), rng.randrange(1950, 1990), rng.choice("男女")) for _ in range(rows - 3)]
    for position in (17, 230, 411):
        people.insert(position, (DISTRICTS[0], 1921, "女"))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for district, year, sex in people:
            writer.writerow([synth.fake_name(rng), synth.fake_mobile(rng),
                             f"{district}中山路{rng.randrange(1, 400)}号", year, sex, f"{rng.uniform(20, 600):.2f}"])
    return people


def write_min_k_policy(path: Path, min_k: int = 5) -> Path:
    """The built-in policy with ``[export] min_k``."""
    from masking.policy import DEFAULT_POLICY

    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace("# min_k = 5", f"min_k = {min_k}", 1)
    assert f"min_k = {min_k}" in text
    path.write_text(text, encoding="utf-8")
    return path
