"""Planted citation errors: recall and false alarms of the citation checks.

Articles whose citations are right are turned into held-out variants with one
error each: one marker occurrence that medmine judged ``consistent`` is
renumbered to another entry of the list (the entry of the next consistent
claim, so the wrong reference is a real study of the same article). Each
variant goes through the whole pipeline. A planted error is found when the
renumbered marker comes out ``mismatch`` with its true reference among the
suggestions; every other ``mismatch`` row of a variant is a false alarm, and so
is any ``mismatch`` on the untouched articles.

    python bench/citation_errors.py ../shared/corpus-written/articles ../shared/corpus-real corpus/articles
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.batch import collect  # noqa: E402
from pipeline.extracting import extract_text  # noqa: E402


def plants(rows: list[dict]) -> list[tuple[dict, str]]:
    """(consistent single-reference marker, the reference it will wrongly cite) pairs."""
    right = [r for r in rows if r["verdict"] == "consistent" and ";" not in r["refs"]]
    numbers = list(dict.fromkeys(r["refs"] for r in right))
    if len(numbers) < 2:
        return []
    return [(r, numbers[(numbers.index(r["refs"]) + 1) % len(numbers)]) for r in right]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    planted = found = flagged = false_alarms = untouched_alarms = variants = 0
    for job in collect(args.paths):
        text = Path(job.path).read_text(encoding="utf-8")
        rows = extract_text(text, doc_id=job.doc_id)["citation_checks"]
        untouched_alarms += sum(r["verdict"] == "mismatch" for r in rows)
        for row, wrong in plants(rows):
            variant = f"{text[:row['start']]}[{wrong}]{text[row['end']:]}"
            checks = extract_text(variant, doc_id=job.doc_id)["citation_checks"]
            variants += 1
            planted += 1
            hit = [c for c in checks if c["start"] == row["start"]]
            ok = bool(hit) and hit[0]["verdict"] == "mismatch" and row["refs"] in hit[0]["suggested_refs"].split(";")
            found += ok
            flagged += bool(hit) and hit[0]["verdict"] == "mismatch"
            known = {(r["refs"], r["suggested_refs"], r["reason"]) for r in rows if r["verdict"] == "mismatch"}
            others = [c for c in checks if c["verdict"] == "mismatch" and c["start"] != row["start"]
                      and (c["refs"], c["suggested_refs"], c["reason"]) not in known]
            false_alarms += len(others)
            for other in others:
                print(f"    false alarm in this variant: {other['marker']}@{other['start']}: {other['reason']}")
            status = "found" if ok else f"missed ({hit[0]['verdict'] if hit else 'no row'})"
            status = "flagged, other suggestion" if status == "missed (mismatch)" else status
            print(f"{job.doc_id} {row['marker']}@{row['start']} -> [{wrong}]: {status}"
                  + (f"; reason: {hit[0]['reason']}" if hit and not ok else ""))
    print(f"\nplanted {planted} errors in {variants} variants: flagged {flagged} "
          f"(recall {flagged / planted if planted else 0:.2f}), {found} with the true reference suggested; "
          f"false alarms in variants {false_alarms}; "
          f"mismatches on the untouched articles {untouched_alarms}")


if __name__ == "__main__":
    main()
