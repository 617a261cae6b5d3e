"""Reader and writer for Cassandra's ``.POMDP`` / ``.MDP`` text formats.

Grammar: A. R. Cassandra, pomdp-solve ``docs/pomdp-file-spec.html`` and ``pomdp-file-grammar.html``;
the ``start include:`` / ``start exclude:`` variants as documented with SARSOP (APPL); the MDP variant
as read by ZMDP (no ``observations:`` line, ``R: a : s : s' r``).  Summary:

* ``#`` comments; newlines carry no meaning; colons may touch their neighbours.
* Preamble in any order: ``discount:``, ``values: reward | cost`` (cost is negated into reward),
  ``states:``, ``actions:``, ``observations:`` each a count ``N`` or a list of names; a named element
  can also be referred to by its 0-based index.  Namespaces are separate.
* ``start:`` followed by ``|S|`` probabilities, ``uniform``, or one state; ``start include: <states>``
  (uniform over them) and ``start exclude: <states>`` (uniform over the rest).  Absent: uniform.
* ``T``/``O``/``R`` lines: the **number of colon-separated fields** picks the form (not the token
  type).  ``T: a : s : s' p`` | ``T: a : s`` row or ``uniform`` | ``T: a`` matrix, ``uniform`` or
  ``identity``; ``O: a : s' : o p`` | ``O: a : s'`` row or ``uniform`` | ``O: a`` matrix, ``uniform``
  or ``identity``; ``R: a : s : s' : o r`` | ``R: a : s : s'`` row over ``o`` | ``R: a : s`` matrix
  ``(s', o)``.  In MDP files there is one implicit observation, so ``R: a : s : s' r`` is the
  row form with one entry.  ``*`` is a wildcard in every slot; unspecified entries are 0; **the last
  assignment wins**.

Public functions:

* :func:`read_cassandra` returns an :class:`mdplab.MDP` (file without ``observations:``) or an
  :class:`mdplab.pomdp.POMDP` (with ``b0`` = the start distribution).
* :func:`read_cassandra_file` returns a :class:`CassandraFile` with the model **and** its start
  distribution and names; this is how to get the start state of an ``.MDP`` file (``MDP`` has no
  start distribution), e.g. ``zmdp_test12.mdp``'s ``start: 0``.
* :func:`write_cassandra` writes either model so that reading it back gives the same arrays.

Errors are :class:`mdplab.errors.FileFormatError` naming the file, the line and what was expected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from .errors import FileFormatError, ModelError
from .io import criterion
from .models import MDP
from .pomdp import POMDP

#: Row-sum tolerance for files (4x4.95 rows sum to 1.000005, 6-decimal rounding elsewhere).
FILE_ROW_TOL = 1e-5

_PREAMBLE = ("discount", "values", "states", "actions", "observations")
_KEYWORDS = set(_PREAMBLE) | {"start", "T", "O", "R"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$")


@dataclass(frozen=True)
class CassandraFile:
    """Everything a Cassandra file says: the model, its start distribution ``start (S,)`` (uniform when
    the file has none; ``has_start`` tells), ``values`` as written (``"reward"`` or ``"cost"``; the model's
    rewards are already negated for cost) and the element names (``None`` for counted elements)."""

    model: Union[MDP, POMDP]
    start: np.ndarray
    has_start: bool
    values: str
    state_names: tuple[str, ...] | None
    action_names: tuple[str, ...] | None
    observation_names: tuple[str, ...] | None


class _Tokens:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        toks: list[str] = []
        lines: list[int] = []
        for no, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0].replace(":", " : ")
            for t in line.split():
                toks.append(t)
                lines.append(no)
        self.toks, self.lines, self.i = toks, lines, 0
        self.last_line = lines[-1] if lines else 1

    def error(self, expected: str, at: int | None = None) -> FileFormatError:
        i = self.i if at is None else at
        if i < len(self.toks):
            return FileFormatError(f"{self.path}:{self.lines[i]}: expected {expected}, found {self.toks[i]!r}")
        return FileFormatError(f"{self.path}:{self.last_line}: expected {expected}, found end of file")

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def line(self) -> int:
        return self.lines[min(self.i, len(self.lines) - 1)] if self.lines else 1

    def next(self, expected: str) -> str:
        if self.i >= len(self.toks):
            raise self.error(expected)
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect_colon(self) -> None:
        if self.peek() != ":":
            raise self.error("':'")
        self.i += 1

    def number(self, expected: str = "a number") -> float:
        t = self.peek()
        if t is None or not _NUMBER.match(t):
            raise self.error(expected)
        self.i += 1
        return float(t)

    def numbers(self, n: int, expected: str) -> np.ndarray:
        out = np.empty(n)
        for k in range(n):
            out[k] = self.number(f"{expected} (number {k + 1} of {n})")
        return out

    def at_statement_start(self) -> bool:
        t, u = self.peek(), self.peek(1)
        if t not in _KEYWORDS:
            return False
        return u == ":" or (t == "start" and u in ("include", "exclude"))


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


class _Space:
    """One namespace (states, actions or observations)."""

    def __init__(self, what: str, names: list[str] | None, n: int) -> None:
        self.what, self.names, self.n = what, names, n
        self.index = {nm: k for k, nm in enumerate(names)} if names else {}

    def resolve(self, tok: "_Tokens", wildcard: bool = True) -> slice | int:
        at = tok.i
        t = tok.next(f"{_article(self.what)} {self.what} name, index or '*'")
        if t == "*" and wildcard:
            return slice(None)
        if t in self.index:
            return self.index[t]
        if t.isdigit():
            k = int(t)
            if k < self.n:
                return k
        raise tok.error(f"{_article(self.what)} {self.what} (one of {self._describe()}{', *' if wildcard else ''})", at=at)

    def _describe(self) -> str:
        if self.names:
            shown = " ".join(self.names[:8]) + (" ..." if len(self.names) > 8 else "")
            return f"{shown} or 0..{self.n - 1}"
        return f"0..{self.n - 1}"


def _parse_space(tok: _Tokens, what: str) -> _Space:
    first = tok.peek()
    if first is not None and first.isdigit() and (tok.peek(1) is None or tok.at_statement_start_at(1)):
        n = int(tok.next("a count"))
        if n < 1:
            raise tok.error(f"a positive number of {what}s", at=tok.i - 1)
        return _Space(what, None, n)
    names: list[str] = []
    while tok.peek() is not None and not tok.at_statement_start():
        at = tok.i
        nm = tok.next("a name")
        if nm == ":" or nm[0].isdigit() or nm in ("*",):
            raise tok.error(f"{_article(what)} {what} name (names must not start with a digit)", at=at)
        if nm in names:
            raise tok.error(f"a new {what} name ({nm!r} is repeated)", at=at)
        names.append(nm)
    if not names:
        raise tok.error(f"a count or a list of {what} names")
    return _Space(what, names, len(names))


def _at_statement_start_at(self: _Tokens, k: int) -> bool:
    save = self.i
    self.i += k
    try:
        return self.at_statement_start()
    finally:
        self.i = save


_Tokens.at_statement_start_at = _at_statement_start_at  # type: ignore[attr-defined]


def _fields(tok: _Tokens, spaces: list[_Space]) -> list[slice | int]:
    """Parse ``: x [: y [: z ...]]`` up to ``len(spaces)`` fields (the first is mandatory)."""
    tok.expect_colon()
    out = [spaces[0].resolve(tok)]
    while len(out) < len(spaces) and tok.peek() == ":":
        tok.i += 1
        out.append(spaces[len(out)].resolve(tok))
    return out


def read_cassandra_file(path: str | Path, *, horizon: int | None = None, discount: float | None = None,
                        average_reward: bool | None = None) -> CassandraFile:
    """Parse a Cassandra ``.POMDP`` / ``.MDP`` file (see the module docstring).

    ``horizon`` gives a finite-horizon model (needed when the file's discount is 1); ``discount`` replaces
    the file's discount; ``average_reward=True`` (``.MDP`` files only) the average-reward criterion.  The
    rules are :func:`mdplab.io.criterion`'s."""
    overrides = {"discount": discount, "horizon": horizon, "average_reward": average_reward}
    path = Path(path)
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise FileFormatError(f"{path}: not a text file (Cassandra .POMDP/.MDP files are text)") from None
    tok = _Tokens(text, str(path))
    if not tok.toks:
        raise FileFormatError(f"{path}:1: expected a preamble (discount:, states:, actions:, ...), found an empty file")

    # ---- preamble -----------------------------------------------------------------------------------
    discount: float | None = None
    values = "reward"
    spaces: dict[str, _Space] = {}
    while tok.peek() in _PREAMBLE and tok.peek(1) == ":":
        key = tok.next("a preamble keyword")
        if key in spaces or (key == "discount" and discount is not None):
            raise tok.error(f"each preamble item once ({key!r} is repeated)", at=tok.i - 1)
        tok.expect_colon()
        if key == "discount":
            discount = tok.number("a discount factor")
            if not 0.0 <= discount <= 1.0:
                raise tok.error("a discount in [0, 1]", at=tok.i - 1)
        elif key == "values":
            values = tok.next("'reward' or 'cost'")
            if values not in ("reward", "cost"):
                raise tok.error("'reward' or 'cost'", at=tok.i - 1)
        else:
            spaces[key] = _parse_space(tok, key[:-1])
    for key in ("states", "actions"):
        if key not in spaces:
            raise tok.error(f"'{key}:' in the preamble (before start/T/O/R)")
    if discount is None:
        raise tok.error("'discount:' in the preamble (before start/T/O/R)")
    is_pomdp = "observations" in spaces
    St, Ac = spaces["states"], spaces["actions"]
    Ob = spaces.get("observations", _Space("observation", None, 1))
    S, A, nO = St.n, Ac.n, Ob.n
    # the dense tables below (T, O and R with an observation axis), checked before any is allocated
    need = 8 * (A * S * S + A * S * nO + A * S * S * nO + 2 * A * S + S)
    from .io import memory_budget

    if need > memory_budget():
        raise FileFormatError(f"{path}: declares {S} states, {A} actions" + (f", {nO} observations" if is_pomdp else "")
                              + f", whose dense tables need about {need / 2**30:.3g} GiB, above the memory budget of "
                              f"{memory_budget() / 2**30:.3g} GiB (set MDPLAB_MAX_BYTES to raise it)")

    # ---- start ----------------------------------------------------------------------------------------
    start = np.full(S, 1.0 / S)
    has_start = False
    if tok.peek() == "start":
        has_start = True
        tok.i += 1
        mode = tok.peek()
        if mode in ("include", "exclude"):
            tok.i += 1
            tok.expect_colon()
            chosen = np.zeros(S, dtype=bool)
            while tok.peek() is not None and not tok.at_statement_start():
                k = St.resolve(tok, wildcard=False)
                chosen[k] = True
            if not chosen.any():
                raise tok.error(f"at least one state after 'start {mode}:'")
            mask = chosen if mode == "include" else ~chosen
            if not mask.any():
                raise tok.error("a 'start exclude:' list that leaves some state", at=tok.i - 1)
            start = mask / mask.sum()
        else:
            tok.expect_colon()
            t = tok.peek()
            if t == "uniform":
                tok.i += 1
            elif t is not None and _NUMBER.match(t) and all(
                    tok.peek(k) is not None and _NUMBER.match(tok.peek(k)) for k in range(S)) and not (
                    S > 1 and t.isdigit() and tok.at_statement_start_at(1)):
                start = tok.numbers(S, f"{S} start probabilities")
                at = tok.i - 1
                if (start < 0).any() or abs(start.sum() - 1.0) > FILE_ROW_TOL:
                    raise tok.error(f"start probabilities that are >= 0 and sum to 1 (they sum to {float(start.sum())!r})", at=at)
                start = start / start.sum()
            else:
                k = St.resolve(tok, wildcard=False)
                start = np.zeros(S)
                start[k] = 1.0

    # ---- T, O, R ---------------------------------------------------------------------------------------
    T = np.zeros((A, S, S))
    O = np.zeros((A, S, nO))
    R = np.zeros((A, S, S, nO))
    t_line = np.zeros((A, S), dtype=np.int64)
    o_line = np.zeros((A, S), dtype=np.int64)
    while tok.peek() is not None:
        line = tok.line()
        key = tok.next("T:, O: or R:")
        if key not in ("T", "O", "R") or tok.peek() != ":":
            if key == "start":
                raise tok.error("T:, O: or R: ('start' must come right after the preamble, once)", at=tok.i - 1)
            if key in _PREAMBLE:
                raise tok.error(f"T:, O: or R: (the preamble item {key!r} must come before start/T/O/R)", at=tok.i - 1)
            raise tok.error("T:, O: or R:", at=tok.i - 1)
        if key == "T":
            f = _fields(tok, [Ac, St, St])
            if len(f) == 3:
                T[f[0], f[1], f[2]] = tok.number("a probability for T: a : s : s'")
            elif len(f) == 2:
                T[f[0], f[1], :] = _row(tok, S, "T: a : s")
            else:
                T[f[0]] = _matrix(tok, S, S, "T: a", identity_ok=True)
            t_line[f[0], f[1] if len(f) > 1 else slice(None)] = line
        elif key == "O":
            if not is_pomdp:
                raise tok.error("T: or R: (O: lines need 'observations:' in the preamble)", at=tok.i - 1)
            f = _fields(tok, [Ac, St, Ob])
            if len(f) == 3:
                O[f[0], f[1], f[2]] = tok.number("a probability for O: a : s' : o")
            elif len(f) == 2:
                O[f[0], f[1], :] = _row(tok, nO, "O: a : s'")
            else:
                O[f[0]] = _matrix(tok, S, nO, "O: a", identity_ok=(S == nO))
            o_line[f[0], f[1] if len(f) > 1 else slice(None)] = line
        else:
            f = _fields(tok, [Ac, St, St, Ob])
            if len(f) == 4:
                R[f[0], f[1], f[2], f[3]] = tok.number("a reward for R: a : s : s' : o")
            elif len(f) == 3:
                R[f[0], f[1], f[2], :] = tok.numbers(nO, f"{nO} reward(s) for R: a : s : s'")
            elif len(f) == 2:
                R[f[0], f[1], :, :] = tok.numbers(S * nO, f"{S}x{nO} rewards for R: a : s").reshape(S, nO)
            else:
                raise tok.error("at least 'R: a : s' (R: a alone is not a valid form)")

    # ---- semantics ----------------------------------------------------------------------------------------
    if not is_pomdp:
        O[:] = 1.0
    sums = T.sum(axis=2)
    bad = np.abs(sums - 1.0) > FILE_ROW_TOL
    if bad.any():
        a, s = (int(i) for i in np.argwhere(bad)[0])
        where = f"last set on line {t_line[a, s]}" if t_line[a, s] else "never set"
        raise FileFormatError(f"{path}:{t_line[a, s] or tok.last_line}: expected T({Ac.names[a] if Ac.names else a}, "
                              f"{St.names[s] if St.names else s}, :) to sum to 1, found {float(sums[a, s])!r} ({where})")
    if is_pomdp:
        osums = O.sum(axis=2)
        bad = np.abs(osums - 1.0) > FILE_ROW_TOL
        if bad.any():
            a, s = (int(i) for i in np.argwhere(bad)[0])
            where = f"last set on line {o_line[a, s]}" if o_line[a, s] else "never set"
            raise FileFormatError(f"{path}:{o_line[a, s] or tok.last_line}: expected O(a={a}, s'={s}, :) to sum to 1, "
                                  f"found {float(osums[a, s])!r} ({where})")
    if values == "cost":
        R = -R
    P = np.ascontiguousarray(T.transpose(1, 0, 2))
    R4 = np.ascontiguousarray(R.transpose(1, 0, 2, 3))  # R[s, a, s', o]
    crit = criterion(discount, None, **overrides)  # discount: the file's, parsed above
    if crit.get("average_reward") and is_pomdp:
        raise ModelError(f"{path}: average_reward=True (--average-reward): POMDPs are solved under the discounted "
                         f"or the finite-horizon criterion only")
    if "horizon" not in crit and not crit.get("average_reward") and crit["discount"] >= 1.0:
        raise FileFormatError(f"{path}: discount is {crit['discount']:g}; an undiscounted model needs a horizon "
                              f"(read_cassandra(path, horizon=H) or mdplab solve --horizon H)")
    try:
        if is_pomdp:
            model: Union[MDP, POMDP] = POMDP(P, O, R4, b0=start, row_tol=FILE_ROW_TOL, state_names=St.names,
                                             action_names=Ac.names, observation_names=Ob.names, **crit)
        else:
            model = MDP(P, R4[..., 0], row_tol=FILE_ROW_TOL, **crit)
    except ModelError as exc:
        raise FileFormatError(f"{path}: {exc}") from None
    return CassandraFile(model=model, start=start, has_start=has_start, values=values, state_names=St.names and tuple(St.names),
                         action_names=Ac.names and tuple(Ac.names),
                         observation_names=Ob.names and tuple(Ob.names) if is_pomdp else None)


def _row(tok: _Tokens, n: int, what: str) -> np.ndarray:
    if tok.peek() == "uniform":
        tok.i += 1
        return np.full(n, 1.0 / n)
    return tok.numbers(n, f"'uniform' or {n} probabilities after {what}")


def _matrix(tok: _Tokens, rows: int, cols: int, what: str, identity_ok: bool) -> np.ndarray:
    t = tok.peek()
    if t == "uniform":
        tok.i += 1
        return np.full((rows, cols), 1.0 / cols)
    if t == "identity":
        if not identity_ok:
            raise tok.error(f"'uniform' or a {rows}x{cols} matrix after {what} (identity needs a square matrix)")
        tok.i += 1
        return np.eye(rows)
    return tok.numbers(rows * cols, f"'uniform', 'identity' or a {rows}x{cols} matrix after {what}").reshape(rows, cols)


def read_cassandra(path: str | Path, *, horizon: int | None = None, discount: float | None = None,
                   average_reward: bool | None = None) -> Union[MDP, POMDP]:
    """Read a Cassandra file: an :class:`mdplab.MDP` (no ``observations:``) or a :class:`POMDP`; the
    keywords override the file's criterion (:func:`read_cassandra_file`).

    The start distribution of an ``.MDP`` file is available from :func:`read_cassandra_file`
    (``.start``) or :func:`read_cassandra_start`."""
    return read_cassandra_file(path, horizon=horizon, discount=discount, average_reward=average_reward).model


def read_cassandra_start(path: str | Path) -> np.ndarray:
    """The start distribution ``(S,)`` the file gives (uniform when it has no ``start`` line)."""
    return read_cassandra_file(path).start


def _fmt(x: float) -> str:
    return repr(float(x))


def write_cassandra(model: Union[MDP, POMDP], path: str | Path, *, start: np.ndarray | None = None) -> None:
    """Write ``model`` in Cassandra's format so that :func:`read_cassandra` returns the same arrays.

    A POMDP writes its ``b0`` as the start line; for an MDP pass ``start`` to write one.  Rewards are
    written folded, ``R: a : s : * : * r`` (``R: a : s : * r`` for MDPs), which is exact because the
    reader folds them back with the same ``P`` and ``O``.  Only stationary discounted or finite-horizon
    models are writable (the format has no horizon: read a finite-horizon file back with ``horizon=``)."""
    if isinstance(model, MDP) and (model.time_varying or model.criterion == "average"):
        raise ModelError("only stationary discounted or finite-horizon MDPs can be written in Cassandra's format")
    if not np.all(np.isfinite(np.asarray(model.R, dtype=float))):
        s_bad, a_bad = (int(i) for i in np.argwhere(~np.isfinite(np.asarray(model.R, dtype=float)))[0][:2])
        raise ModelError(f"Cassandra's format has no infeasible actions: R[{s_bad}, {a_bad}] is not finite "
                         "(write an .npz instead, or replace -inf by a finite penalty)")
    is_pomdp = isinstance(model, POMDP)
    S, A = model.n_states, model.n_actions
    P = model.P if is_pomdp else model.dense_transitions()
    lines = ["# written by mdplab.cassandra.write_cassandra", f"discount: {_fmt(model.gamma)}", "values: reward"]
    sn = getattr(model, "state_names", None)
    an = getattr(model, "action_names", None)
    on = getattr(model, "observation_names", None)
    lines.append("states: " + (" ".join(sn) if sn else str(S)))
    lines.append("actions: " + (" ".join(an) if an else str(A)))
    if is_pomdp:
        lines.append("observations: " + (" ".join(on) if on else str(model.n_observations)))
        start = model.b0
    if start is not None:
        lines.append("start: " + " ".join(_fmt(x) for x in np.asarray(start, dtype=float)))
    for a in range(A):
        for s in range(S):
            lines.append(f"T: {a} : {s} " + " ".join(_fmt(x) for x in P[s, a]))
    if is_pomdp:
        for a in range(A):
            for s1 in range(S):
                lines.append(f"O: {a} : {s1} " + " ".join(_fmt(x) for x in model.O[a, s1]))
    for a in range(A):
        for s in range(S):
            r = model.R[s, a]
            if r != 0.0:
                lines.append(f"R: {a} : {s} : * : * {_fmt(r)}" if is_pomdp else f"R: {a} : {s} : * {_fmt(r)}")
    Path(path).write_text("\n".join(lines) + "\n")
