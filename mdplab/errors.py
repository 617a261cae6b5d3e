"""Error types raised at mdplab's boundary.

Every check on user input raises a subclass of :class:`ValueError` whose message names the
defect and where it is (array name, index, offending value), so that callers can catch
``ValueError`` generically and a human can fix the input from the message alone.
"""
from __future__ import annotations


class ModelError(ValueError):
    """A model's arrays or parameters are invalid (shape, NaN/inf, probabilities, discount...)."""


class FileFormatError(ModelError):
    """A model file is malformed; the message names the file, the line number and what was expected."""


class NotApplicableError(ValueError):
    """A solver was asked to do something its theory does not cover (e.g. relative VI on a
    multichain model, a discounted method on an average-reward model)."""


class ConvergenceError(RuntimeError):
    """An iterative method hit its iteration cap before its stopping rule certified the answer."""
