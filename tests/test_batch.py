"""Batch runs: bad files never stop a batch, each gets a specific reason; outputs are deterministic."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.batch import Output, collect, run_batch

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "标题：索拉非尼研究\n\n一项II期研究中，索拉非尼治疗的ORR为15%，中位PFS为4.2个月。\n"


def _documents(out: Path) -> dict[str, dict]:
    with open(out / "documents.csv", encoding="utf-8") as handle:
        return {row["doc_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "gb.txt").write_bytes(ARTICLE.encode("gb18030"))
    (folder / "u16.txt").write_bytes(ARTICLE.encode("utf-16"))
    (folder / "page.html").write_text(f"<html><head><title>索拉非尼研究</title></head><body><nav>首页 登录</nav>"
                                      f"<article><p>{ARTICLE.splitlines()[2]}</p></article></body></html>",
                                      encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02binary")
    (folder / "sub" / "gb.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def test_every_file_gets_a_status_and_good_ones_give_rows(messy_folder, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(collect([messy_folder]), out)
    docs = _documents(out)
    assert set(docs) == {"gb", "gb~2", "u16", "page", "empty", "scan"}
    assert docs["gb"]["status"] == "ok" and docs["gb"]["encoding"] == "gb18030"
    assert docs["u16"]["status"] == "ok" and docs["u16"]["encoding"].startswith("utf-16")
    assert docs["page"]["status"] == "ok"
    assert docs["empty"]["status"] == "error" and "empty" in docs["empty"]["error"]
    assert docs["scan"]["status"] == "error" and "binary" in docs["scan"]["error"]
    assert "duplicate" in docs["gb~2"]["error"] and docs["gb~2"]["status"] == "ok"
    assert (summary.ok, summary.failed) == (4, 2)
    with open(out / "outcomes.csv", encoding="utf-8") as handle:
        outcomes = list(csv.DictReader(handle))
    assert {(r["doc_id"], r["endpoint"], r["value"]) for r in outcomes} >= {
        ("gb", "ORR", "15"), ("u16", "PFS", "4.2"), ("page", "ORR", "15"), ("gb~2", "ORR", "15")}


def test_same_input_gives_the_same_bytes(messy_folder, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        run_batch(collect([messy_folder]), out, output=Output(("csv", "parquet")))
    for table in ("documents", "outcomes", "mentions", "drugs"):
        assert (first / f"{table}.csv").read_bytes() == (second / f"{table}.csv").read_bytes()
    assert (first / "outcomes.parquet").read_bytes() == (second / "outcomes.parquet").read_bytes()
    assert not list(first.glob(".*.tmp")) and not list(first.glob(".medmine-staging-*"))


def test_parallel_run_equals_serial_run(messy_folder, tmp_path):
    serial, parallel = tmp_path / "s", tmp_path / "p"
    run_batch(collect([messy_folder]), serial, n_jobs=1)
    run_batch(collect([messy_folder]), parallel, n_jobs=2)
    assert (serial / "outcomes.csv").read_bytes() == (parallel / "outcomes.csv").read_bytes()


def test_missing_input_is_a_clear_error(tmp_path):
    from pipeline.errors import InputError

    with pytest.raises(InputError, match="no such file or folder"):
        collect([tmp_path / "nope"])


@pytest.mark.parametrize("name, skipped", [
    ("README.md", True), ("SOURCES.md", True), ("notes.txt", True), ("README.zh.md", True),
    ("KEYNOTE189.txt", False), ("FRESCO.html", False), ("readme_keynote189.txt", False), ("01_dxy_article.txt", False),
])
def test_folder_documentation_is_left_out_of_folder_scans(tmp_path, name, skipped):
    (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    left_out: list[Path] = []
    jobs = collect([tmp_path], skipped=left_out)
    assert (not jobs) == skipped and (left_out == [tmp_path / name]) == skipped
    assert len(collect([tmp_path / name])) == 1  # named explicitly, it is always processed


def _run_cli(args: list[str]):
    from typer.testing import CliRunner

    from pipeline.cli import _register, app

    _register()
    return CliRunner().invoke(app, ["run", *args])


def test_summary_names_failed_files_times_writing_and_speed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    for i in range(7):
        (folder / f"bad{i}.txt").write_bytes(b"")
    result = _run_cli([str(folder), "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # the console wraps long lines
    assert "documents: 1 ok, 7 failed;" in output and "writing)" in output and "documents/s" in output
    assert output.count("failed: ") == 6  # the first five by name, then a count
    assert "bad0.txt" in output and "bad6.txt" not in output and "... and 2 more" in output
    assert "mentions: not in tables.xlsx" in output


@pytest.mark.parametrize("formats, message", [("json", "unknown format 'json'"), ("csv;xlsx", "unknown format")])
def test_unknown_format_is_a_clear_error(tmp_path, formats, message):
    result = subprocess.run([sys.executable, "-m", "pipeline", "run", "--formats", formats, "-o", str(tmp_path / "o")],
                            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_jobs_default_to_the_usable_cores():
    from pipeline.batch import usable_cores

    assert usable_cores() == len(os.sched_getaffinity(0))
