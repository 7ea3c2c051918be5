"""Criteria sets: the model, YAML/JSON in and out with validation, scoring, and diffs.

Pure domain code: no Flask, no database, nothing else of the app.
"""

from .diff import SetDiff, diff_sets
from .io import CriteriaError, Problem, dump_set, load_set, set_from_dict, set_to_dict
from .model import ANSWER_TYPES, Band, CriteriaSet, Criterion, Option, Section, Texts, text
from .scoring import NA, VisitScore, criterion_points, score_visit, validate_value

__all__ = [
    "ANSWER_TYPES", "NA", "Band", "CriteriaError", "CriteriaSet", "Criterion", "Option", "Problem",
    "Section", "SetDiff", "Texts", "VisitScore", "criterion_points", "diff_sets", "dump_set",
    "load_set", "score_visit", "set_from_dict", "set_to_dict", "text", "validate_value",
]
