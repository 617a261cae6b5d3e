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


class CertificateWarning(UserWarning):
    """A solver returns without certifying the requested ``tol`` (``converged=False``): the iteration or work
    budget ran out, or float64 rounding near ``gamma = 1`` makes ``tol`` uncertifiable.  The message says which
    and what to change."""


class BudgetExceededError(NotApplicableError):
    """A long computation hit the budget it checks (vectors, seconds, work); the message names the budget and
    the parameter that raises it.  A :class:`NotApplicableError` (so a ValueError): the instance is too large
    for the budget given, a clean refusal rather than a crash."""


def check_seed(seed, name: str = "seed") -> int:
    """``seed`` as a non-negative ``int`` (what ``numpy.random.default_rng`` accepts as one integer), else a
    :class:`ModelError` in our words ("seed must be a non-negative integer") rather than numpy's."""
    import numbers

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        shown = f"{float(seed):g}" if isinstance(seed, numbers.Real) and not isinstance(seed, bool) else type(seed).__name__
        raise ModelError(f"{name} must be a non-negative integer; got {shown}")
    return int(seed)


def shown(x: object) -> str:
    """``repr(x)`` for a message, with numpy scalars shown as the Python numbers they hold (``-5.0``, not
    numpy 2's ``np.float64(-5.0)``) and arrays as their shape and dtype."""
    import numpy as np

    if isinstance(x, np.generic):
        x = x.item()
    elif isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} ({x.dtype})"
    return repr(x)
