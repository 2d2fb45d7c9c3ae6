"""Golden tests: the whole pipeline on the bundled corpus, scored against corpus/gold by SCHEMA's keys."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.batch import collect, run_batch
from pipeline.evaluating import evaluate

ROOT = Path(__file__).resolve().parent.parent
SEED = "dxy_ifo_sarcoma"
REAL = ROOT.parent / "shared" / "corpus-real"
WRITTEN = ROOT.parent / "shared" / "corpus-written"


@pytest.fixture(scope="module")
def corpus_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("pred")
    run_batch(collect([ROOT / "corpus" / "articles"]), out)
    return out


def test_seed_tables_equal_gold(corpus_report):
    report = evaluate(corpus_report, ROOT / "corpus" / "gold", docs=[SEED])
    for table in ("drugs", "regimens", "references", "citations", "trials", "outcomes"):
        assert report.tables[table].scores["f1"] == 1.0, (table, report.tables[table].errors)
    outcomes = report.tables["outcomes"]
    for field in ("citation", "trial", "comparator_drugs"):
        assert outcomes.fields[field] >= 0.98, (field, outcomes.fields)


# Floors are the F1 reached when they were set, minus at most 0.02 (README, Accuracy; .ci/run gates the same).
def test_bundled_corpus_stays_above_its_floor(corpus_report):
    report = evaluate(corpus_report, ROOT / "corpus" / "gold")
    assert report.tables["references"].scores["f1"] == 1.0
    assert report.tables["citations"].scores["f1"] == 1.0
    assert report.tables["trials"].scores["f1"] >= 0.81
    assert report.tables["outcomes"].scores["f1"] >= 0.89


@pytest.mark.skipif(not (WRITTEN / "gold").is_dir(), reason="corpus-written is not on this machine")
def test_corpus_written_above_its_floor(tmp_path):
    run_batch(collect([WRITTEN / "articles"]), tmp_path)
    report = evaluate(tmp_path, WRITTEN / "gold")
    assert report.tables["outcomes"].scores["f1"] >= 0.87, report.tables["outcomes"].scores
    assert report.tables["trials"].scores["f1"] >= 0.76, report.tables["trials"].scores
    assert report.tables["references"].scores["f1"] == 1.0
    assert report.tables["citations"].scores["f1"] == 1.0


@pytest.mark.skipif(not (REAL / "gold").is_dir(), reason="corpus-real is not on this machine")
def test_corpus_real_outcomes(tmp_path):
    run_batch(collect([REAL]), tmp_path)
    report = evaluate(tmp_path, REAL / "gold", tables=["outcomes"])
    assert report.tables["outcomes"].scores["f1"] >= 0.96
