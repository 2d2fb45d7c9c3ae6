"""Throughput benchmark: plain jieba.cut vs medmine run --jobs 1 vs --jobs 2, in one run.

Builds a synthetic corpus from corpus/articles (N documents with distinct
doc_ids), then times, on the same texts:
  (a) plain ``jieba.cut`` over every text (the baseline),
  (b) ``medmine run --jobs 1``, (c) ``medmine run --jobs 2``,
and prints MB/s, documents/s, the ratio of each to (a), and peak RSS. Both sides
are timed the same two ways: the whole process (start-up included) and the
document loop alone. Machines are shared and noisy, so only ratios measured in
the same run are meaningful.

    python bench/bench.py --docs 2000
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def build_corpus(folder: Path, n_docs: int) -> int:
    """Copies of the bundled articles with distinct names; returns total bytes."""
    sources = sorted((ROOT / "corpus" / "articles").glob("*.txt"))
    total = 0
    for i in range(n_docs):
        source = sources[i % len(sources)]
        data = source.read_bytes() + f"\n\n(copy {i})\n".encode()
        (folder / f"doc{i:05d}_{source.stem}.txt").write_bytes(data)
        total += len(data)
    return total


def _watch(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak RSS MB over its process tree, stdout+stderr)."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    output = proc.stdout.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed with exit code {proc.returncode}:\n{output[-2000:]}")
    return seconds, peak / 1e6, output


def time_jieba(folder: Path) -> tuple[float, float, float]:
    """Baseline (a): a process that imports jieba and cuts every text; (wall, loop only, peak MB)."""
    code = (
        "import jieba,sys,time,pathlib;jieba.initialize();t=time.perf_counter()\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.txt')):\n"
        "    list(jieba.cut(p.read_text(encoding='utf-8')))\n"
        "print('LOOP', time.perf_counter()-t)"
    )
    wall, peak, output = _watch([sys.executable, "-c", code, str(folder)])
    return wall, float(output.split("LOOP")[-1]), peak


def time_medmine(folder: Path, jobs: int) -> tuple[float, float, float]:
    """medmine run on the folder; (wall, batch only: its own summary's seconds, peak MB)."""
    out = Path(tempfile.mkdtemp())
    try:
        wall, peak, output = _watch([sys.executable, "-m", "pipeline", "run", str(folder), "-o", str(out),
                                     "--jobs", str(jobs), "--formats", "csv"])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    batch = re.search(r"failed; ([\d.]+) s", output)
    return wall, float(batch.group(1)) if batch else wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = build_corpus(folder, args.docs)
        mb = size / 1e6
        rows = [("jieba.cut (baseline)", *time_jieba(folder))]
        for jobs in (1, 2):
            rows.append((f"medmine run --jobs {jobs}", *time_medmine(folder, jobs)))
    base_wall, base_loop = rows[0][1], rows[0][2]
    print(f"corpus: {args.docs} documents, {mb:.1f} MB")
    print(f"{'what':24} {'wall s':>7} {'MB/s':>6} {'docs/s':>7} {'vs jieba':>9} "
          f"{'loop s':>7} {'vs jieba':>9} {'peak RSS MB':>12}")
    for name, wall, loop, peak in rows:
        print(f"{name:24} {wall:7.1f} {mb / wall:6.2f} {args.docs / wall:7.1f} {base_wall / wall:9.2f} "
              f"{loop:7.1f} {base_loop / loop:9.2f} {peak:12.0f}")
    print("wall: the whole process, start-up included (imports, dictionary, rules); loop: the documents "
          "only (jieba's loop; medmine's own batch time)")


if __name__ == "__main__":
    main()
