"""Criteria sets: the model, YAML/JSON in and out with validation, scoring, and diffs.

Pure domain code: no Flask, no database, nothing else of the app.
"""

from .diff import SetDiff, diff_sets
from .io import CriteriaError, Problem, dump_set, load_set, set_from_dict, set_to_dict
from .logic import (
    condition_data,
    describe,
    hidden_keys,
    holds,
    missing_evidence,
    set_logic_data,
)
from .model import ANSWER_TYPES, Band, CriteriaSet, Criterion, Option, Section, Texts, text
from .scoring import NA, VisitScore, criterion_points, score_visit, validate_value

__all__ = [
    "ANSWER_TYPES", "NA", "Band", "CriteriaError", "CriteriaSet", "Criterion", "Option", "Problem",
    "Section", "SetDiff", "Texts", "VisitScore", "condition_data", "criterion_points", "describe",
    "diff_sets", "dump_set", "hidden_keys", "holds", "load_set", "missing_evidence",
    "score_visit", "set_from_dict", "set_logic_data", "set_to_dict", "text", "validate_value",
]
