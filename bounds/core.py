"""Bounds as data: a theorem's inequality as a sympy object, with its conditions and its source.

A :class:`Bound` states ``measured  <relation>  expr`` where ``measured`` is a quantity (described in
words, measured by the mdplab function named in ``measured_by``) and ``expr`` a sympy expression in
``symbols`` (problem parameters, created with their assumptions) and ``constants`` (named constants the
paper leaves unknown: they must be supplied explicitly to evaluate, are listed in every report, and are
never fitted).  ``conditions`` are sympy relations (``gamma < 1``); evaluating outside them raises
:class:`ConditionViolation` (a ``ValueError``).  ``hides`` lists the log factors a tilde-O hides,
written out: they are already multiplied into ``expr`` and listed again so a report can say what the
tilde hid.  Checking a bound against data is separate (:mod:`bounds.checkers`).

Values are substituted through the stored ``Symbol`` objects: a string key is mapped to the stored symbol
of that name (an unknown name raises), so ``Symbol("gamma", positive=True)`` is never silently missed
the way ``expr.subs("gamma", 0.9)`` misses it.

Registering a bound (one module per source paper, ``bounds/<bibkey>.py``, discovered automatically)::

    import sympy as sp
    from bounds.core import Bound, Source, register_bound

    gamma = sp.Symbol("gamma", positive=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    e0 = sp.Symbol("e0", nonnegative=True)
    VI_ERROR = register_bound(Bound(
        name="puterman1994.vi_error",
        quantity="sup-norm error ||V_k - V*||_inf of value iteration after k sweeps",
        measured_by="mdplab.operators.bellman_backup",
        expr=gamma**k * e0, relation="<=", symbols=(gamma, k, e0),
        conditions=(gamma < 1,),
        source=Source("puterman1994", None, None, "Prop. 6.2.4, Thm. 6.3.3", "reconstructed",
                      theory="docs/theory/puterman1994.md#vi_error"),
    ))
    VI_ERROR.evaluate({"gamma": 0.9, "k": 10, "e0": 1.0})   # 0.3486...
    VI_ERROR.log_slope(k)                                  # log(gamma): d log(bound) / d k
    VI_ERROR.exponent(e0)                                  # 1: d log(bound) / d log(e0)

Citation convention (checked by ``tests/test_citations.py``): every ``bounds/`` module registers bounds
whose ``Source.bibkey`` is a key of ``references.bib``; every public ``algorithms/`` module (not
``__init__``, not ``cli``, not ``_private``) declares its source(s) as a module-level ``BIBKEY = "key"``
or ``BIBKEYS = ("key1", "key2")`` (``__citation__`` is accepted as an alias), or, failing that, names
them in its docstring as ``[@key]``, on a line ``Bibkey: key``, or as a bibkey-shaped literal in single or
double backticks, as in "bibkey ``puterman1994``" (letters, a four-digit year, then letters/digits);
at least one key must be named, and every key so named must exist in ``references.bib``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import sympy as sp

#: Provenance flags of a statement: read in the paper, reconstructed, or derived by us (``docs/theory/``).
PROVENANCES = ("verified", "reconstructed", "derived")
RELATIONS = ("<=", ">=")

#: Modules of this package that are harness code, not bound collections.
_NOT_BOUND_MODULES = frozenset({"core", "checkers"})


class ConditionViolation(ValueError):
    """A bound was evaluated at values outside its conditions or its symbols' assumptions."""


class UnknownSymbolError(ValueError):
    """A value was given for a name the bound does not have, or a needed value is missing."""


class UnknownBoundError(ValueError):
    """No registered bound has this name."""


@dataclass(frozen=True)
class Source:
    """Where a bound comes from.

    ``theorem``: the paper's own numbering ("Thm. 2.1", "Prop. 6.4.1"), or None where it is unknown.
    ``theory``: the in-repository note that restates the bound in our words, its conditions and (for
    derived bounds) the derivation: ``"docs/theory/<bibkey>.md#<anchor>"``.
    ``provenance``: ``"verified"`` (read in the paper), ``"reconstructed"`` (structure reliable,
    constants/numbering not), ``"derived"`` (derived here, checked numerically).
    """

    bibkey: str
    arxiv: str | None
    version: str | None
    theorem: str | None
    provenance: str
    theory: str | None = None

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCES:
            raise ValueError(f"Source.provenance must be one of {PROVENANCES}; got {self.provenance!r}")
        if not self.bibkey:
            raise ValueError("Source.bibkey is empty")

    def cite(self) -> str:
        arx = f", arXiv:{self.arxiv}{self.version or ''}" if self.arxiv else ""
        number = self.theorem if self.theorem else "paper's number unknown"
        note = f"; see {self.theory}" if self.theory else ""
        return f"{self.bibkey}{arx}, {number} [{self.provenance}]{note}"


def _check_assumptions(sym: sp.Symbol, x: float) -> str | None:
    """Name the assumption of ``sym`` that the value ``x`` breaks, or None."""
    tests = (("positive", x > 0), ("nonnegative", x >= 0), ("negative", x < 0), ("nonpositive", x <= 0),
             ("integer", float(x).is_integer()), ("finite", x == x and abs(x) != float("inf")))
    for name, ok in tests:
        if getattr(sym, f"is_{name}") and not ok:
            return name
    return None


@dataclass(frozen=True)
class Bound:
    """``measured  relation  expr`` (see the module docstring for every field)."""

    name: str
    quantity: str
    measured_by: str
    expr: sp.Expr
    relation: str
    symbols: tuple[sp.Symbol, ...]
    source: Source
    conditions: tuple[sp.Basic, ...] = ()
    hides: tuple[sp.Expr, ...] = ()
    constants: tuple[sp.Symbol, ...] = ()
    notes: str = ""
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"bound {self.name!r}: relation must be one of {RELATIONS}; got {self.relation!r}")
        object.__setattr__(self, "expr", sp.sympify(self.expr))
        for attr in ("symbols", "conditions", "hides", "constants"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        names = [s.name for s in self.symbols + self.constants]
        if len(set(names)) != len(names):
            raise ValueError(f"bound {self.name!r}: duplicate symbol names {names}")
        known = set(self.symbols) | set(self.constants)
        for what, e in [("expr", self.expr), *(("condition", c) for c in self.conditions),
                        *(("hides", h) for h in self.hides)]:
            extra = sp.sympify(e).free_symbols - known
            if extra:
                raise ValueError(f"bound {self.name!r}: {what} {e} uses symbols {sorted(map(str, extra))} "
                                 "not declared in symbols or constants (declare the Symbol objects you used)")
        object.__setattr__(self, "_by_name", {s.name: s for s in self.symbols + self.constants})

    # ------------------------------------------------------------------ substitution
    def symbol(self, name: str | sp.Symbol) -> sp.Symbol:
        """The stored Symbol for ``name`` (a string or a Symbol of that name)."""
        key = name.name if isinstance(name, sp.Symbol) else str(name)
        try:
            sym = self._by_name[key]
        except KeyError:
            raise UnknownSymbolError(f"bound {self.name!r} has no symbol {key!r}; it has "
                                     f"{sorted(self._by_name)}") from None
        if isinstance(name, sp.Symbol) and name != sym:
            raise UnknownSymbolError(f"bound {self.name!r}: symbol {key!r} was passed with assumptions "
                                     f"{name.assumptions0} but is stored with {sym.assumptions0}")
        return sym

    def substitution(self, values: Mapping[sp.Symbol | str, float], *, partial: bool = False) -> dict:
        """Map ``values`` onto the stored symbols, checking assumptions and (unless ``partial``) conditions.

        Missing symbols raise unless ``partial``; keys the bound does not have raise.
        """
        subs: dict[sp.Symbol, float] = {}
        for key, x in values.items():
            sym = self.symbol(key)
            x = float(x)
            broken = _check_assumptions(sym, x)
            if broken:
                raise ConditionViolation(f"bound {self.name!r}: {sym} = {x!r} is not {broken}")
            subs[sym] = x
        if not partial:
            missing = [s.name for s in self.symbols + self.constants if s not in subs
                       and (s in self.expr.free_symbols or any(s in sp.sympify(c).free_symbols for c in self.conditions))]
            if missing:
                unknown = [m for m in missing if self._by_name[m] in self.constants]
                hint = (f" ({unknown} are unknown constants of the paper: pass a value explicitly, they are never fitted)"
                        if unknown else "")
                raise UnknownSymbolError(f"bound {self.name!r}: no value for {missing}{hint}")
        self._check_conditions(subs)
        return subs

    def _check_conditions(self, subs: Mapping[sp.Symbol, float]) -> None:
        for cond in self.conditions:
            c = sp.sympify(cond)
            if not c.free_symbols <= set(subs):
                continue  # partial substitution: cannot decide yet
            ok = c.subs(subs)
            if ok not in (sp.true, sp.false):
                raise ConditionViolation(f"bound {self.name!r}: condition {cond} is undecidable at {dict(subs)}")
            if ok is sp.false:
                shown = {str(s): subs[s] for s in c.free_symbols}
                raise ConditionViolation(f"bound {self.name!r} ({self.source.cite()}) holds only when {cond}; "
                                         f"got {shown}")

    def evaluate(self, values: Mapping[sp.Symbol | str, float]) -> float:
        """The bound's value at ``values`` (floats keyed by stored Symbol or name). Raises
        :class:`ConditionViolation` outside the conditions, :class:`UnknownSymbolError` on missing values."""
        subs = self.substitution(values)
        out = self.expr.subs(subs)
        try:
            return float(out)
        except TypeError:
            raise UnknownSymbolError(f"bound {self.name!r}: {out} is not a number at {values}") from None

    # ------------------------------------------------------------------ rates
    def exponent(self, symbol: sp.Symbol | str) -> sp.Expr:
        """Log-log slope ``d log(expr) / d log(x)`` (a number for a power law ``C x^e``: ``e``)."""
        x = self.symbol(symbol)
        return sp.simplify(x * sp.diff(self.expr, x) / self.expr)

    def log_slope(self, symbol: sp.Symbol | str) -> sp.Expr:
        """Semi-log slope ``d log(expr) / d x`` (for ``C r^k``: ``log(r)``), for geometric rates."""
        x = self.symbol(symbol)
        return sp.simplify(sp.diff(self.expr, x) / self.expr)

    def slope(self, symbol: sp.Symbol | str, scale: str, values: Mapping[sp.Symbol | str, float] | None = None) -> float:
        """``exponent`` (``scale="loglog"``) or ``log_slope`` (``"semilog"``) at ``values`` of the other
        symbols; raises if it still depends on ``symbol`` (the bound is not a pure power / geometric law)."""
        if scale not in ("loglog", "semilog"):
            raise ValueError(f"scale must be 'loglog' or 'semilog'; got {scale!r}")
        e = self.exponent(symbol) if scale == "loglog" else self.log_slope(symbol)
        x = self.symbol(symbol)
        subs = self.substitution({k: v for k, v in (values or {}).items() if self.symbol(k) != x}, partial=True)
        e = sp.simplify(e.subs(subs))
        if e.free_symbols:
            raise UnknownSymbolError(f"bound {self.name!r}: the {scale} slope in {x} is {e}, which depends on "
                                     f"{sorted(map(str, e.free_symbols))}; give their values or use another scale")
        return float(e)

    def latex(self) -> str:
        """``sympy.latex`` of the bound, for figure legends."""
        return sp.latex(self.expr)

    def describe(self) -> str:
        """One paragraph: the inequality, conditions, hidden factors, unknown constants, source."""
        parts = [f"{self.name}: {self.quantity} {self.relation} {self.expr}"]
        if self.conditions:
            parts.append("when " + ", ".join(map(str, self.conditions)))
        if self.hides:
            parts.append("tilde-O hides " + ", ".join(map(str, self.hides)))
        if self.constants:
            parts.append("unknown constants " + ", ".join(c.name for c in self.constants))
        parts.append(self.source.cite())
        return "; ".join(parts)


# ---------------------------------------------------------------------------------------- registry
_BOUNDS: dict[str, Bound] = {}
_DISCOVERED = False


def register_bound(bound: Bound) -> Bound:
    """Add ``bound`` to the registry (re-registering an equal bound is a no-op) and return it."""
    old = _BOUNDS.get(bound.name)
    if old is not None and old != bound:
        raise ValueError(f"a different bound named {bound.name!r} is already registered ({old.source.cite()})")
    _BOUNDS[bound.name] = bound
    return bound


def discover() -> None:
    """Import every ``bounds/<module>.py`` (except harness modules) so their bounds register."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    from ._discovery import import_submodules

    import_submodules("bounds", exclude=_NOT_BOUND_MODULES)
    _DISCOVERED = True


def get_bound(name: str) -> Bound:
    """The bound called ``name`` (discovering the bound modules only if it is not registered yet)."""
    if name not in _BOUNDS:
        discover()
    try:
        return _BOUNDS[name]
    except KeyError:
        raise UnknownBoundError(f"no bound named {name!r}; registered: {sorted(_BOUNDS)}") from None


def all_bounds() -> list[Bound]:
    discover()
    return [_BOUNDS[k] for k in sorted(_BOUNDS)]
