"""In-text definitions: a name the article gives a drug means that drug, in that article only."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extracting import analyse, extract_text, page_cues
from pipeline.reading import read_path, read_text
from pipeline.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules()


def mentions(text: str, surface: str) -> list[tuple[str, str, str]]:
    """(label, norm, rule) of every mention written as ``surface``."""
    found = analyse(read_text(text, page_cues(RULES)), RULES).view.mentions
    return [(m.label, m.norm, m.rule) for m in found if m.text == surface]


@pytest.mark.parametrize("text,surface,norm,rule,count", [
    ("芳香化酶抑制剂（AI）是绝经后晚期乳腺癌内分泌治疗的基石。CDK4/6抑制剂联合AI为一线标准。",
     "AI", "aromatase inhibitor", "definition.bracket-abbr", 2),
    ("AI（芳香化酶抑制剂）联合哌柏西利。此后AI单药维持。", "AI", "aromatase inhibitor", "definition.abbr-bracket", 2),
    ("HZ-310是曲妥珠单抗的生物类似药。研究比较了HZ-310与曲妥珠单抗，HZ-310组ORR为71.3%。",
     "HZ-310", "trastuzumab", "definition.biosimilar", 3),
    ("QB-19即依沃西单抗。QB-19联合化疗的ORR为50%。", "QB-19", "ivonescimab", "definition.namely", 2),
    ("帕博利珠单抗（以下简称“帕博”）联合化疗。帕博单药的ORR为45%。", "帕博", "pembrolizumab",
     "definition.hereafter", 2),
    ("研究者在试验结束后才给出定义。早前QB-19单药的ORR为30%。此处QB-19即依沃西单抗。",
     "QB-19", "ivonescimab", "definition.namely", 2),  # a definition holds for the whole article
], ids=["full-then-abbr", "abbr-then-full", "biosimilar-code", "namely-code", "hereafter", "defined-late"])
def test_defined_name_is_the_drug_everywhere(text, surface, norm, rule, count):
    assert mentions(text, surface) == [("DRUG", norm, rule)] * count


@pytest.mark.parametrize("text,surface", [
    ("患者分配到厄洛替尼或吉西他滨 / 卡铂（GC）组。GC组ORR为30%。", "GC"),  # a regimen's letters
    ("依托泊苷联合洛铂（EL）方案。EL方案的ORR为60%。", "EL"),
    ("The group additionally received carboplatin (TCbHP).", "TCbHP"),  # letters not in the long form
    ("化疗（CT）后进展。", "CT"),  # a generic word defines nothing
    ("客观缓解率（ORR）为45%。", "ORR"),  # not a drug
])
def test_not_a_definition_of_one_drug(text, surface):
    assert all(rule.split(".")[0] != "definition" for _, _, rule in mentions(text, surface))


@pytest.mark.parametrize("text", [
    "纳武利尤单抗+伊匹木单抗（以下简称“双免组”）的ORR为42%。",
    "FOLFIRI联合贝伐珠单抗（以下简称双药组）。",
    "帕尼单抗（帕尼组）的ORR为80%。",
])
def test_group_labels_are_left_to_linking(text):
    found = analyse(read_text(text, page_cues(RULES)), RULES).view.mentions
    assert not [m for m in found if m.rule.startswith("definition.")]


def test_defined_code_reaches_the_tables():
    text = ("HZ-310是曲妥珠单抗的生物类似药。一项III期研究随机接受HZ-310联合多西他赛或曲妥珠单抗联合多西他赛治疗。"
            "结果显示，HZ-310组ORR为71.3%，曲妥珠单抗组为70.1%。")
    tables = extract_text(text)
    assert [(o["value"], o["drugs"], o["arm"]) for o in tables["outcomes"]] == [
        ("71.3", "trastuzumab", "HZ-310组"), ("70.1", "trastuzumab", "曲妥珠单抗组")]
    assert {d["drug"]: d["names"] for d in tables["drugs"]}["trastuzumab"] == "HZ-310;曲妥珠单抗"


def test_a_definition_is_per_article():
    """AI defined in one article does not change AI in the next (the sarcoma regimen)."""
    extract_text("芳香化酶抑制剂（AI）是内分泌治疗的基石。", doc_id="breast")
    assert mentions("多柔比星+异环磷酰胺（AI方案）一线治疗。AI方案的ORR为25%。", "AI")[0][1] == "doxorubicin+ifosfamide"


def test_seed_ai_regimen_still_expands():
    article = read_path(ROOT / "corpus" / "articles" / "dxy_ifo_sarcoma.txt", page_cues(RULES))
    found = analyse(article, RULES).view.mentions
    ai = [m for m in found if m.text == "AI"]
    assert ai and all(m.norm == "doxorubicin+ifosfamide" for m in ai)


def test_explain_names_the_definition_used(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import _register, app

    _register()
    path = tmp_path / "ai.txt"
    path.write_text("芳香化酶抑制剂（AI）是内分泌治疗的基石。\n\n研究显示，联合AI的中位PFS为25.3个月。\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "definition.bracket-abbr (defined by 芳香化酶抑制剂(AI))" in result.output
