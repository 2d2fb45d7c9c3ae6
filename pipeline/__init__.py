"""medmine: evidence tables (regimens, trials, efficacy outcomes) from Chinese oncology articles.

    from pipeline import extract
    tables = extract(text, doc_id="x")      # {"outcomes": DataFrame, "trials": ..., ...}
"""
from __future__ import annotations

__version__ = "0.1.0"


def extract(text: str, doc_id: str = "text", rules_dir: str | None = None):
    """Extract every table of SCHEMA.md from one article's text.

    Returns a mapping of table name -> pandas DataFrame. The CLI's ``run`` is a
    batch wrapper around the same per-document function.
    """
    from .extracting import extract_text
    from .tables import to_frames

    return to_frames(extract_text(text, doc_id=doc_id, rules_dir=rules_dir))


__all__ = ["extract", "__version__"]
