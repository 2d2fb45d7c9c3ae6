"""Distributed runs on Dask: the same tables as a local run, rules shipped by content, the README recipe works."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.batch import Output, collect, run_batch
from pipeline.tables import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed")
pd = pytest.importorskip("pandas")

ARTICLES = ["dxy_ifo_sarcoma", "crc_fresco_fruquintinib"]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as dask_client:
        yield dask_client


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for i, name in enumerate(ARTICLES * 3):  # six files, so both workers get partitions
        shutil.copy(ROOT / "corpus" / "articles" / f"{name}.txt", folder / f"{i}_{name}.txt")
    (folder / "broken.txt").write_bytes(b"\x00\x01 not text")
    return folder


def _sorted(frame):
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_dask_run_writes_the_tables_of_a_local_run(client, corpus, tmp_path, monkeypatch):
    from pipeline.distributed import run_jobs

    monkeypatch.chdir(tmp_path)  # relative paths are resolved on the driver, not the workers
    jobs = collect([corpus.relative_to(tmp_path)])
    local, remote = tmp_path / "local", tmp_path / "remote"
    run_batch(collect([corpus]), local, output=Output(("csv", "parquet")))
    summary = run_jobs(jobs, remote, client, output=Output(("csv", "parquet")), partition_size=2)
    assert (summary.ok, summary.failed) == (6, 1)
    assert summary.failures[0][0].endswith("broken.txt")
    for table in COLUMNS:
        assert (remote / f"{table}.parquet").is_dir(), table  # a dataset: one part per partition
        assert len(list((remote / f"{table}.parquet").glob("part-*.parquet"))) == 4
        pd.testing.assert_frame_equal(_sorted(pd.read_parquet(local / f"{table}.parquet")),
                                      _sorted(pd.read_parquet(remote / f"{table}.parquet")), check_dtype=True)
        assert (local / f"{table}.csv").read_bytes() == (remote / f"{table}.csv").read_bytes(), table
    assert not list(remote.glob(".medmine-staging-*"))


def test_rules_travel_by_content(client, corpus, tmp_path, monkeypatch):
    """A rule folder named relative to the driver's working directory still applies on the workers."""
    from pipeline.distributed import run_jobs

    rules = tmp_path / "my-rules"
    shutil.copytree(ROOT / "rules", rules)
    drugs = rules / "drugs.yaml"
    text = drugs.read_text(encoding="utf-8")
    drugs.write_text(text.replace("name: ifosfamide\n    class: alkylating agent\n",
                                  "name: ifosfamide\n    class: custom class\n"), encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    run_jobs(collect([corpus]), out, client, rules_dir="my-rules", output=Output(("csv",)))
    classes = pd.read_csv(out / "drugs.csv").set_index("drug")["class"]
    assert set(classes[["ifosfamide"]]) == {"custom class"}


def test_readme_recipe_runs_from_another_working_directory(corpus, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    recipe = re.search(r"<!-- recipe: distributed -->\s*```python\n(.*?)```", readme, re.S)
    assert recipe, "README lost its distributed recipe"
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copytree(corpus, work / "articles")
    (work / "recipe.py").write_text(recipe.group(1), encoding="utf-8")
    result = subprocess.run([sys.executable, "recipe.py"], cwd=work, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    outcomes = pd.read_parquet(work / "tables" / "outcomes.parquet")
    assert len(outcomes) > 0 and set(outcomes["doc_id"]) >= {"0_dxy_ifo_sarcoma", "1_crc_fresco_fruquintinib"}
    assert (work / "tables" / "documents.csv").exists()


def test_cli_runs_on_a_scheduler_address(client, corpus, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import _register, app

    _register()
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(corpus), "-o", str(out), "--engine", "dask",
                                      "--scheduler", client.scheduler.address, "--formats", "csv,xlsx"])
    assert result.exit_code == 0, result.output
    assert "documents: 6 ok, 1 failed" in " ".join(result.output.split())
    assert (out / "tables.xlsx").exists() and not list(out.glob("*.parquet"))


@pytest.mark.parametrize("args, message", [(["--engine", "dask"], "needs --scheduler"),
                                           (["--engine", "spark"], "expected local or dask")])
def test_cli_engine_errors(tmp_path, args, message):
    result = subprocess.run([sys.executable, "-m", "pipeline", "run", str(ROOT / "corpus" / "articles"), "-o",
                             str(tmp_path / "o"), *args], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
