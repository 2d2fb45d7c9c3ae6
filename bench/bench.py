"""Throughput benchmark: plain jieba.cut vs medmine run --jobs 1 vs --jobs 2, in one run.

Builds a synthetic corpus from corpus/articles (N documents with distinct
doc_ids), then times, on the same texts:
  (a) plain ``jieba.cut`` over every text (the baseline),
  (b) ``medmine run --jobs 1``, (c) ``medmine run --jobs 2``,
and prints MB/s, documents/s, the ratio of each to (a), and peak RSS. Machines
are shared and noisy, so only ratios measured in the same run are meaningful.

    python bench/bench.py --docs 2000
"""
from __future__ import annotations

import argparse
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


def time_jieba(folder: Path) -> float:
    """Baseline (a): jieba.cut over every text, dictionary loaded beforehand."""
    code = (
        "import jieba,sys,time,pathlib;jieba.initialize();t=time.perf_counter()\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.txt')):\n"
        "    list(jieba.cut(p.read_text(encoding='utf-8')))\n"
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def time_medmine(folder: Path, jobs: int) -> tuple[float, float]:
    """medmine run on the folder; returns (seconds, peak RSS MB over the process tree)."""
    out = Path(tempfile.mkdtemp())
    cmd = [sys.executable, "-m", "pipeline", "run", str(folder), "-o", str(out), "--jobs", str(jobs),
           "--formats", "csv"]
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"medmine run --jobs {jobs} failed with exit code {proc.returncode}")
    return seconds, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = build_corpus(folder, args.docs)
        mb = size / 1e6
        baseline = time_jieba(folder)
        rows = [("jieba.cut (baseline)", baseline, 0.0)]
        for jobs in (1, 2):
            seconds, peak = time_medmine(folder, jobs)
            rows.append((f"medmine run --jobs {jobs}", seconds, peak))
    print(f"corpus: {args.docs} documents, {mb:.1f} MB")
    print(f"{'what':28} {'seconds':>8} {'MB/s':>7} {'docs/s':>8} {'vs jieba':>9} {'peak RSS MB':>12}")
    for name, seconds, peak in rows:
        print(f"{name:28} {seconds:8.1f} {mb / seconds:7.2f} {args.docs / seconds:8.1f} "
              f"{baseline / seconds:9.2f} {peak:12.0f}")


if __name__ == "__main__":
    main()
