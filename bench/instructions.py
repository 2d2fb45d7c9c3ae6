"""Instructions per document, plain jieba.cut vs medmine's per-document function (needs valgrind).

Wall-clock ratios on a shared machine move by 20 % between runs; instruction
counts do not. Each side runs twice under ``valgrind --tool=cachegrind``: once
warming up on the bundled articles, once also processing N more documents; the
difference divided by N is the cost of one document, start-up excluded.

    python bench/instructions.py --docs 14
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOAD = """
import sys, pathlib
n, side = int(sys.argv[1]), sys.argv[2]
paths = sorted(pathlib.Path("corpus/articles").glob("*.txt"))
if side == "jieba":
    import jieba
    jieba.initialize()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    for i in range(len(texts) + n):
        list(jieba.cut(texts[i % len(texts)]))
else:
    from pipeline import batch
    jobs = batch.collect(paths)
    batch._init_worker(None)
    for i in range(len(jobs) + n):
        batch.process_rendered(jobs[i % len(jobs)])
"""


def instructions(side: str, n: int) -> int:
    """Instructions valgrind counted for the workload with n extra documents."""
    # No idle BLAS threads, and one hash seed: set and dict layouts otherwise move counts by ~2 %.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          sys.executable, "-c", WORKLOAD, str(n), side],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if not found:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=14, help="documents measured on top of the warm-up")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind); bench/bench.py needs no valgrind")
    per_doc = {side: (instructions(side, args.docs) - instructions(side, 0)) / args.docs
               for side in ("jieba", "medmine")}
    for side, count in per_doc.items():
        print(f"{side:8} {count / 1e6:7.1f} M instructions per document")
    print(f"medmine / jieba: {per_doc['jieba'] / per_doc['medmine']:.2f}x the throughput (by instructions)")


if __name__ == "__main__":
    main()
