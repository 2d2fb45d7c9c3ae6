"""Throughput and memory benchmark: plain jieba.cut vs medmine run, in one run.

Builds a synthetic corpus from corpus/articles (N documents with distinct
doc_ids), then times, on the same texts:
  (a) plain ``jieba.cut`` over every text (the baseline),
  (b) ``medmine run --jobs 1`` and ``medmine run`` with its default options
      (every format: CSV, Parquet, XLSX; ``--jobs`` = the usable cores),
  (c) ``medmine run --formats F`` for each output format alone,
and prints MB/s, documents/s, the ratio of each to (a), and peak RSS. Wall time
is the whole process: start-up and writing included. Machines are shared and
noisy, so only ratios measured in the same run are meaningful.

    python bench/bench.py --docs 2000
    python bench/bench.py --docs 10000 --only default,csv,parquet,xlsx   # memory at scale
"""
from __future__ import annotations

import argparse
import os
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


def time_medmine(folder: Path, args: list[str]) -> tuple[float, float, float]:
    """medmine run on the folder; (wall, extraction only: its summary's "s extracting", peak MB)."""
    out = Path(tempfile.mkdtemp())
    try:
        wall, peak, output = _watch([sys.executable, "-m", "pipeline", "run", str(folder), "-o", str(out), *args])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    extract = re.search(r"([\d.]+) s extracting", " ".join(output.split()))
    return wall, float(extract.group(1)) if extract else wall, peak


def runs(cores: int) -> dict[str, tuple[str, list[str]]]:
    """What is timed: the default options (every format, --jobs = usable cores), one worker, and each
    output format alone (default jobs), so each format's cost and memory show."""
    chosen = {"jobs1": ("medmine run --jobs 1", ["--jobs", "1"]),
              "default": (f"medmine run (defaults: --jobs {cores})", [])}
    if cores != 2:
        chosen["jobs2"] = ("medmine run --jobs 2", ["--jobs", "2"])
    for fmt in ("csv", "parquet", "xlsx"):
        chosen[fmt] = (f"medmine run --formats {fmt}", ["--formats", fmt])
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--only", default="", help="comma-separated subset of: jieba,jobs1,default,jobs2,csv,parquet,"
                                                   "xlsx (default: all)")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    chosen = runs(cores)
    only = [name.strip() for name in args.only.split(",") if name.strip()] or ["jieba", *chosen]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = build_corpus(folder, args.docs)
        mb = size / 1e6
        for name in only:
            if name == "jieba":
                rows.append((name, "jieba.cut (baseline)", *time_jieba(folder)))
            else:
                label, extra = chosen[name]
                rows.append((name, label, *time_medmine(folder, extra)))
    walls = {name: wall for name, _, wall, _, _ in rows}
    print(f"corpus: {args.docs} documents, {mb:.1f} MB; {cores} usable cores")
    print(f"{'what':36} {'wall s':>7} {'MB/s':>6} {'docs/s':>7} {'vs jieba':>9} {'extract s':>10} {'peak RSS MB':>12}")
    for name, label, wall, loop, peak in rows:
        ratio = f"{walls['jieba'] / wall:9.2f}" if "jieba" in walls else f"{'':9}"
        print(f"{label:36} {wall:7.1f} {mb / wall:6.2f} {args.docs / wall:7.1f} {ratio} {loop:10.1f} {peak:12.0f}")
    for faster in ("default", "jobs2"):
        if faster in walls and "jobs1" in walls:
            print(f"{chosen[faster][0]} vs --jobs 1: {walls['jobs1'] / walls[faster]:.2f}x (wall)")
    print("wall: the whole process, start-up and writing included; extract s: medmine's document loop "
          "(jieba's loop for the baseline); peak RSS: the process and its workers")


if __name__ == "__main__":
    main()
