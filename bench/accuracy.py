#!/usr/bin/env python3
"""Column-kind precision and recall of the detector on a labelled, generated corpus.

    .venv/bin/python bench/accuracy.py [--seeds N] [--samples]

Prints per kind: true positives, false positives, false negatives, precision and recall; then the
overall figures (a column counts as right only with the right kind; "not PII" is a class too),
whether any measurement/date decoy was flagged, and every misclassified column. With
``--samples`` it also checks the bundled samples' truth files (resources/samples/*.truth.json).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import LabelledColumn, build_corpus

from masking.detect import classify_column
from masking.kinds import Kind

_MEASUREMENT_SHAPES = frozenset(
    {"kwh", "reading-12", "reading-varied", "amount", "amount-big", "amount-text", "count", "date",
     "datetime", "date-text", "date-int", "timestamp-int", "power-factor", "percent", "multiplier",
     "age", "time-text", "amount-under-phone", "kwh-under-weird"}
)


def evaluate(corpus: list[LabelledColumn]) -> tuple[list[tuple[LabelledColumn, str | None, str]], float]:
    results = []
    started = time.perf_counter()
    for column in corpus:
        verdict = classify_column(column.header, column.values)
        results.append((column, verdict.kind.value if verdict.kind is not None else None, verdict.reason))
    return results, time.perf_counter() - started


def report(results: list[tuple[LabelledColumn, str | None, str]]) -> bool:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for column, predicted, _ in results:
        if predicted == column.kind:
            if predicted is not None:
                tp[predicted] += 1
            continue
        if predicted is not None:
            fp[predicted] += 1
        if column.kind is not None:
            fn[column.kind] += 1
    sensitive = sum(1 for column, _, _ in results if column.kind is not None)
    print(f"corpus: {len(results)} columns, {sensitive} sensitive, {len(results) - sensitive} not sensitive")
    print(f"{'kind':<12} {'cols':>5} {'tp':>5} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>8}")
    for kind in Kind:
        name = kind.value
        total = tp[name] + fn[name]
        precision = tp[name] / (tp[name] + fp[name]) if tp[name] + fp[name] else 1.0
        recall = tp[name] / total if total else 1.0
        print(f"{name:<12} {total:>5} {tp[name]:>5} {fp[name]:>4} {fn[name]:>4} {precision:>10.1%} {recall:>8.1%}")
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    precision = all_tp / (all_tp + all_fp) if all_tp + all_fp else 1.0
    recall = all_tp / (all_tp + all_fn) if all_tp + all_fn else 1.0
    flagged_measurements = [
        (column, predicted)
        for column, predicted, _ in results
        if column.shape in _MEASUREMENT_SHAPES and predicted is not None
    ]
    print(f"overall (micro, PII kinds): precision {precision:.2%}, recall {recall:.2%}")
    print(f"measurement/date decoys flagged: {len(flagged_measurements)}")
    wrong = [(c, p, r) for c, p, r in results if p != c.kind]
    print(f"misclassified columns: {len(wrong)}")
    for column, predicted, reason in wrong:
        print(f"  [{column.shape}] header={column.header!r}: truth {column.kind}, got {predicted} ({reason})")
    return precision >= 0.98 and recall >= 0.98 and not flagged_measurements


def check_samples(folder: Path) -> bool:
    """Scan every bundled sample and compare with its truth file (needs masking.io.reader)."""
    import json

    from masking.detect import scan_workbook
    from masking.io.reader import open_workbook

    ok = True
    for truth_path in sorted(folder.glob("*.truth.json")):
        sample = next((p for p in folder.glob(truth_path.name.replace(".truth.json", ".*"))
                       if p.suffix in (".xlsx", ".xlsm", ".csv")), None)
        if sample is None:
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        with open_workbook(sample) as workbook:
            scan = scan_workbook(workbook, path=sample)
        got = {(s.info.name, c.index): (c.kind.value if c.kind else None) for s in scan.sheets for c in s.columns}
        wrong = 0
        total = 0
        for sheet in truth.get("sheets", []):
            for column in sheet.get("columns", []):
                total += 1
                predicted = got.get((sheet["name"], column["index"]))
                if predicted != column.get("kind"):
                    wrong += 1
                    print(f"  {sample.name} {sheet['name']}!{column.get('letter', column['index'])} "
                          f"{column.get('header')!r}: truth {column.get('kind')}, got {predicted}")
        print(f"sample {sample.name}: {total - wrong}/{total} columns right, {len(scan.findings)} findings")
        ok = ok and wrong == 0
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="corpus seeds (each adds every shape once more)")
    parser.add_argument("--samples", action="store_true", help="also check resources/samples/*.truth.json")
    args = parser.parse_args()
    corpus = build_corpus(range(args.seeds))
    results, seconds = evaluate(corpus)
    ok = report(results)
    print(f"classified in {seconds:.2f} s")
    if args.samples:
        ok = check_samples(Path(__file__).resolve().parents[1] / "resources" / "samples") and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
