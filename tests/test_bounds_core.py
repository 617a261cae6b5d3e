"""bounds.core: substitution through stored Symbols, conditions, slopes from sympy, the registry."""
from __future__ import annotations

import math
import pickle

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds.core import (Bound, ConditionViolation, Source, UnknownBoundError, UnknownSymbolError, all_bounds,
                         get_bound, register_bound)

gamma = sp.Symbol("gamma", positive=True)
n = sp.Symbol("n", positive=True)
delta = sp.Symbol("delta", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
C = sp.Symbol("C", positive=True)
SRC = Source("puterman1994", None, None, "test", "derived")


def sample_bound(**kw) -> Bound:
    """A tilde-O style bound: C sqrt(log(1/delta) / n) / (1 - gamma), valid for gamma < 1, delta < 1."""
    args = dict(name="test.sample", quantity="an error", measured_by="mdplab.solvers.value_iteration",
                expr=C * sp.sqrt(sp.log(1 / delta) / n) / (1 - gamma), relation="<=", symbols=(gamma, n, delta),
                conditions=(gamma < 1, delta < 1), hides=(sp.log(1 / delta),), constants=(C,), source=SRC)
    args.update(kw)
    return Bound(**args)


def test_string_and_symbol_keys_substitute_the_same_stored_symbols():
    b = sample_bound()
    by_name = b.evaluate({"gamma": 0.9, "n": 100, "delta": 0.05, "C": 2.0})
    by_symbol = b.evaluate({gamma: 0.9, n: 100, delta: 0.05, C: 2.0})
    expected = 2.0 * math.sqrt(math.log(1 / 0.05) / 100) / (1 - 0.9)   # closed form, by hand
    assert by_name == by_symbol == pytest.approx(expected, rel=1e-14)


def test_plain_sympy_subs_by_string_would_silently_miss_the_symbol():
    # the failure this design prevents: a string builds a Symbol without assumptions, a different object
    b = sample_bound()
    assert b.expr.subs({"gamma": 0.9}).free_symbols >= {gamma}
    assert gamma not in b.expr.subs(b.substitution({"gamma": 0.9}, partial=True)).free_symbols


def test_symbol_with_other_assumptions_is_rejected():
    with pytest.raises(UnknownSymbolError, match="assumptions"):
        sample_bound().evaluate({sp.Symbol("gamma"): 0.9, "n": 1, "delta": 0.1, "C": 1})


@pytest.mark.parametrize("values, match", [
    ({"gamma": 0.9, "n": 100, "delta": 0.05}, "unknown constants"),          # C missing: never fitted
    ({"gamma": 0.9, "n": 100, "delta": 0.05, "C": 1, "S": 3}, "no symbol 'S'"),
])
def test_missing_or_unknown_names_raise(values, match):
    with pytest.raises(UnknownSymbolError, match=match):
        sample_bound().evaluate(values)


@pytest.mark.parametrize("values, match", [
    ({"gamma": 1.0, "n": 100, "delta": 0.05, "C": 1}, "gamma < 1"),
    ({"gamma": 0.5, "n": 100, "delta": 2.0, "C": 1}, "delta < 1"),
    ({"gamma": 0.5, "n": -3, "delta": 0.5, "C": 1}, "not positive"),
])
def test_violated_condition_raises_a_value_error(values, match):
    with pytest.raises(ConditionViolation, match=match) as info:
        sample_bound().evaluate(values)
    assert isinstance(info.value, ValueError)


def test_integer_assumption_is_checked():
    vi = get_bound("puterman1994.vi_error")
    with pytest.raises(ConditionViolation, match="integer"):
        vi.evaluate({"gamma": 0.9, "k": 2.5, "e0": 1.0})


def test_exponents_come_from_sympy():
    b = sample_bound()
    assert b.exponent(n) == sp.Rational(-1, 2)
    assert b.slope("n", "loglog", {"gamma": 0.9}) == -0.5
    assert get_bound("puterman1994.vi_error").log_slope("k") == sp.log(get_bound("puterman1994.vi_error").symbol("gamma"))
    assert get_bound("puterman1994.vi_error").slope("k", "semilog", {"gamma": 0.9}) == pytest.approx(math.log(0.9))


def test_slope_that_depends_on_the_parameter_raises():
    # 1/(1 - gamma) is not a power law in gamma: its log-log slope gamma/(1 - gamma) depends on gamma
    with pytest.raises(UnknownSymbolError, match="depends on"):
        sample_bound().slope("gamma", "loglog")


@given(a=st.integers(-12, 12).map(lambda i: i / 4), b=st.integers(-12, 12).map(lambda i: i / 4),
       x=st.floats(0.5, 50), y=st.floats(0.5, 50))
def test_exponent_matches_a_finite_difference_of_evaluate(a, b, x, y):
    xs, ys = sp.Symbol("x", positive=True), sp.Symbol("y", positive=True)
    bd = Bound(name="test.power", quantity="q", measured_by="m", expr=3 * xs**sp.nsimplify(a) * ys**sp.nsimplify(b),
               relation="<=", symbols=(xs, ys), source=SRC)
    h = 1e-4
    fd = (math.log(bd.evaluate({"x": x * math.exp(h), "y": y})) - math.log(bd.evaluate({"x": x * math.exp(-h), "y": y}))) / (2 * h)
    assert float(bd.exponent("x")) == pytest.approx(fd, abs=1e-6)


def test_undeclared_symbols_and_bad_fields_are_rejected():
    with pytest.raises(ValueError, match="not declared"):
        sample_bound(symbols=(gamma, n))          # delta used but not declared
    with pytest.raises(ValueError, match="relation"):
        sample_bound(relation="<")
    with pytest.raises(ValueError, match="provenance"):
        Source("puterman1994", None, None, "Thm 1", "remembered")


def test_describe_reports_hidden_logs_constants_and_source():
    text = sample_bound().describe()
    assert "log(1/delta)" in text and "unknown constants C" in text and "[derived]" in text


def test_bounds_pickle_and_compare():
    b = sample_bound()
    assert pickle.loads(pickle.dumps(b)) == b


def test_registry():
    b = register_bound(sample_bound(name="test.registry"))
    assert get_bound("test.registry") is b
    register_bound(sample_bound(name="test.registry"))      # an equal bound: no-op
    with pytest.raises(ValueError, match="already registered"):
        register_bound(sample_bound(name="test.registry", relation=">="))
    with pytest.raises(UnknownBoundError):
        get_bound("no.such.bound")
    names = {x.name for x in all_bounds()}
    assert {"puterman1994.vi_error", "puterman1994.vi_stopping_policy", "puterman1994.vi_stopping_values",
            "puterman1994.pi_monotone", "puterman1994.rvi_gain"} <= names


def test_cite_prints_the_papers_numbering_and_the_theory_note():
    s = Source("puterman1994", None, None, "Thm. 6.3.1(c)", "reconstructed",
               theory="docs/theory/puterman1994.md#vi_stopping_policy")
    assert s.cite() == ("puterman1994, Thm. 6.3.1(c) [reconstructed]; "
                        "see docs/theory/puterman1994.md#vi_stopping_policy")
    unknown = Source("doshi2023", "2305.05097", "v1", None, "derived", theory="docs/theory/doshi2023.md#tvd_rate")
    assert "paper's number unknown" in unknown.cite() and "arXiv:2305.05097v1" in unknown.cite()
    assert "docs/theory/doshi2023.md#tvd_rate" in unknown.cite()
