"""Long input: articles over spaCy's default max_length, one-line pages, and the size limit."""
from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.extracting import CHUNK, _chunks, extract_text
from pipeline.reading import SIZE_VARIABLE, ReadError

ROOT = Path(__file__).resolve().parent.parent
RESULT = "研究显示，A药组中位PFS为9.5个月，对照组为5.1个月（HR=0.55，P<0.001）。"
FILLER = "这一段文字讲述了作者多年来的经验与体会，内容平实而详细，读来令人印象深刻。"


def _run(paths: list[Path], out: Path, *options: str) -> dict:
    """``medmine run`` in a fresh process; the documents row of the (single) input."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(SIZE_VARIABLE, None)
    done = subprocess.run([sys.executable, "-m", "pipeline", "run", *map(str, paths), "-o", str(out),
                           "--formats", "csv", *options], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    with open(out / "documents.csv", encoding="utf-8") as handle:
        return next(csv.DictReader(handle))


def test_three_million_character_article_is_read_whole_with_bounded_memory(tmp_path):
    """Over three times spaCy's default max_length: ok, every result found, memory far below what a
    parser would need (spaCy warns of ~1 GB per 100,000 characters)."""
    filler = (FILLER + "\n\n") * 40
    copies = 3_000_000 // (len(filler) + len(RESULT) + 2) + 1
    # every copy reports numbers of its own: a number stated twice is one row (SCHEMA: rows are a set)
    results = [RESULT.replace("9.5", f"{10 + i / 100:.2f}").replace("5.1", f"{5 + i / 1000:.3f}")
               .replace("0.55", f"{0.3 + i / 10000:.4f}") for i in range(copies)]
    path = tmp_path / "long.txt"
    path.write_text("某药治疗晚期胃癌的III期研究\n\n" + "".join(filler + r + "\n\n" for r in results),
                    encoding="utf-8")
    row = _run([path], tmp_path / "out")
    assert row["status"] == "ok" and int(row["chars"]) > 3_000_000
    assert int(row["n_outcomes"]) == 3 * copies  # two medians and the HR of every result
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < 1500


def test_one_line_page_with_an_end_cue_inside_keeps_its_article(tmp_path):
    """A page flattened into one line: the page-end cue inside it must not cut the article."""
    line = ("首页 > 肿瘤 > 胃癌 " + FILLER * 5 + RESULT + FILLER * 5 + " 本篇内容对您是否有帮助? 版权所有")
    path = tmp_path / "page.txt"
    path.write_text(line + "\n", encoding="utf-8")
    assert len(line) > 300
    row = _run([path], tmp_path / "out")
    assert row["status"] == "ok" and int(row["n_outcomes"]) >= 2


def test_short_end_cue_line_still_ends_the_article():
    text = f"某药治疗晚期胃癌的III期研究\n\n{RESULT}\n\n相关推荐\n\n{RESULT.replace('9.5', '7.7')}\n"
    values = [r["value"] for r in extract_text(text)["outcomes"]]
    assert "9.5" in values and "7.7" not in values


def test_max_size_error_names_the_file_and_the_option(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text("某药治疗晚期胃癌的III期研究\n\n" + RESULT * 100, encoding="utf-8")
    row = _run([path], tmp_path / "small", "--max-size", "0.001")
    assert row["status"] == "error"
    assert str(path) in row["error"] and "over the limit of 0.001 MB" in row["error"]
    assert "--max-size" in row["error"]
    assert _run([path], tmp_path / "default")["status"] == "ok"


def test_text_over_the_limit_is_a_read_error_naming_the_document(monkeypatch):
    monkeypatch.setenv(SIZE_VARIABLE, "1000")
    with pytest.raises(ReadError, match=r"^note7: text of 1,001 characters is over the limit of 1,000"):
        extract_text("甲" * 1001, doc_id="note7")


@pytest.mark.parametrize("text", [
    "。".join(["甲" * 30_000] * 10),  # sentence ends only
    ("乙" * 50_000 + "\n") * 5,  # block breaks only
    "丙" * (CHUNK * 2 + 5),  # neither: one piece
    "",
])
def test_chunks_cover_the_text_and_end_at_breaks(text):
    pieces = list(_chunks(text))
    assert "".join(text[a:b] for a, b in pieces) == text
    assert all(text[b - 1] in "\n。" for _, b in pieces[:-1])
    assert all(b - a >= CHUNK for a, b in pieces[:-1])
