"""Printing for the verbs: JSON with numpy arrays and scalars as plain lists and numbers."""
from __future__ import annotations

import contextlib
import json
import math
import os
import sys

import numpy as np


def _jsonable(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x)}")


def _finite_or_null(x):
    """``x`` with numpy values as plain ones and every non-finite float as ``None``: JSON has no NaN or
    Infinity (Python's ``json`` would write the non-standard tokens, which strict parsers reject)."""
    if isinstance(x, dict):
        return {k: _finite_or_null(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite_or_null(v) for v in x]
    if isinstance(x, np.ndarray):
        return _finite_or_null(x.tolist())
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def print_json(obj) -> None:
    """Print ``obj`` as one line of strict JSON (non-finite numbers as ``null``)."""
    print(json.dumps(_finite_or_null(obj), default=_jsonable, allow_nan=False))


@contextlib.contextmanager
def stdout_to_stderr():
    """While the body runs, file descriptor 1 points at stderr: whatever a solver prints (HiGHS' banner from
    C, a stray ``print``) cannot reach stdout, which carries only the verb's answer (``--json`` parses).
    Works at the descriptor level; a no-op when stdout has no descriptor (pytest's capture)."""
    try:
        fd_out, fd_err = sys.stdout.fileno(), sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd_out)
    try:
        os.dup2(fd_err, fd_out)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, fd_out)
        os.close(saved)


_LAZY_EPILOG = "<filled when help is printed>"


def set_lazy_epilog(parser, build) -> None:
    """Give ``parser`` an epilog computed by ``build()`` only when help is printed, so that a verb's heavy
    imports (registries of learners, named environments) stay inside its ``run``."""
    import argparse

    class _LazyEpilogFormatter(argparse.RawDescriptionHelpFormatter):
        def add_text(self, text):
            super().add_text(build() if text == _LAZY_EPILOG else text)

    parser.formatter_class = _LazyEpilogFormatter
    parser.epilog = _LAZY_EPILOG
