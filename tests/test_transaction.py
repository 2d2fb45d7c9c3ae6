"""One output transaction per run: killed runs, concurrent runs and interrupted runs never mix outputs."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pipeline.batch import Output, collect, run_batch
from pipeline.transaction import LOCK_NAME, STAGING_PREFIX, OutputBusy, OutputTransaction

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "articles" / "dxy_ifo_sarcoma.txt"
ALL = ("csv", "parquet", "xlsx")


def _corpus(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        shutil.copy(ARTICLE, folder / f"doc{i:03d}.txt")
    return folder


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME}


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "run", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_staging(out: Path, proc: subprocess.Popen) -> Path:
    """The run's staging folder once a first table file is in it (the run holds the lock by then)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        staged = [p for p in out.glob(f"{STAGING_PREFIX}*") if (p / "outcomes.csv").exists()]
        if staged:
            return staged[0]
        time.sleep(0.02)
    raise AssertionError(f"no staging folder appeared; run ended with {proc.poll()}: {proc.communicate()[1][-2000:]}")


def _workers(proc: subprocess.Popen) -> list[psutil.Process]:
    """The run's worker processes, once it has started them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = psutil.Process(proc.pid).children(recursive=True)
        if workers:
            return workers
        time.sleep(0.02)
    return []


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """An output folder holding a complete earlier run."""
    out = tmp_path / "out"
    run_batch(collect([ARTICLE]), out, output=Output(ALL))
    return out


def test_a_killed_run_leaves_the_previous_tables_and_the_next_run_cleans_up(previous, tmp_path):
    before = _snapshot(previous)
    proc = _start([str(_corpus(tmp_path / "big", 60)), "-o", str(previous), "--jobs", "1"])
    staging = _wait_for_staging(previous, proc)
    workers = _workers(proc)
    proc.send_signal(signal.SIGKILL)  # no chance to clean up
    proc.communicate()
    assert staging.exists() and _snapshot(previous) == before  # nothing of the killed run is visible
    assert workers  # with Parquet and XLSX, --jobs 1 extracts in a worker while the run writes...
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive  # ...and the worker does not outlive the killed run
    summary = run_batch(collect([ARTICLE]), previous, output=Output(ALL))
    assert not list(previous.glob(f"{STAGING_PREFIX}*"))
    assert any(staging.name in note and "interrupted run" in note for note in summary.notes)


def test_a_second_run_into_the_same_folder_fails_at_once(tmp_path):
    out = tmp_path / "out"
    first = _start([str(_corpus(tmp_path / "big", 40)), "-o", str(out), "--jobs", "1", "--formats", "csv"])
    _wait_for_staging(out, first)
    first.send_signal(signal.SIGSTOP)  # mid-run, holding the lock, however fast this machine is
    try:
        second = _start([str(ARTICLE), "-o", str(out)])
        _, error = second.communicate(timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.returncode == 2
    assert f"another medmine run is writing there (pid {first.pid}" in error and "choose another output" in error
    _, first_error = first.communicate(timeout=300)
    assert first.returncode == 0, first_error[-2000:]
    documents = (out / "documents.csv").read_bytes()
    assert b"\x00" not in documents and documents.count(b"\n") == 41  # header + the first run's 40 rows only


def test_one_process_cannot_open_two_runs_on_one_folder(tmp_path):
    with OutputTransaction(tmp_path / "out"):
        with pytest.raises(OutputBusy, match="another medmine run in this process"):
            run_batch(collect([ARTICLE]), tmp_path / "out")
    run_batch(collect([ARTICLE]), tmp_path / "out")  # released on leaving the block


def test_an_interrupted_run_changes_nothing(previous):
    before = _snapshot(previous)

    def interrupt(job, rendered):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(collect([ARTICLE, ARTICLE.parent]), previous, on_document=interrupt, output=Output(("csv",)))
    assert _snapshot(previous) == before and not list(previous.glob(f"{STAGING_PREFIX}*"))


def test_files_of_formats_no_longer_asked_for_are_removed_and_others_kept(previous):
    (previous / "my notes.txt").write_text("mine", encoding="utf-8")
    run_batch(collect([ARTICLE]), previous, output=Output(("csv",)))
    assert not list(previous.glob("*.parquet")) and not (previous / "tables.xlsx").exists()
    assert (previous / "outcomes.csv").exists() and (previous / "my notes.txt").read_text(encoding="utf-8") == "mine"


def test_temporary_files_of_older_versions_are_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in (".outcomes.csv.tmp", ".tables.abc123.tmp.xlsx"):
        (out / name).write_text("debris", encoding="utf-8")
    summary = run_batch(collect([ARTICLE]), out)
    assert not list(out.glob(".*tmp*")) and sum("interrupted run" in n for n in summary.notes) == 2
