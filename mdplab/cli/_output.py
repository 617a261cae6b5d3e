"""Printing for the verbs: JSON with numpy arrays and scalars as plain lists and numbers."""
from __future__ import annotations

import json

import numpy as np


def _jsonable(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x)}")


def print_json(obj) -> None:
    """Print ``obj`` as one line of JSON."""
    print(json.dumps(obj, default=_jsonable))
