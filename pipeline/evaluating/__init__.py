"""Evaluation: gold tables loaded and validated, rows matched by SCHEMA's keys, errors explained."""
from .gold import GoldError, load_tables
from .report import Report, evaluate, render

__all__ = ["GoldError", "Report", "evaluate", "load_tables", "render"]
