"""Seeded path simulation for stochastic differential equations (one operator: "advance many paths").

Two kernels, both vectorised over paths with ``prange`` and each path owning its own random stream,
so the numbers depend on the seed and the path index only, never on the thread count:

* ``linear_gaussian_paths``: ``X_{k+1} = F X_k + f + L Z_k`` (exact transitions of a linear SDE such as
  Ornstein-Uhlenbeck, or its Euler-Maruyama step, depending on what the caller puts in ``F, f, L``);
* ``euler_maruyama_paths``: ``X_{k+1} = X_k + b(t_k, X_k) dt + sigma(t_k, X_k) sqrt(dt) Z_k`` for numba
  functions ``drift(t, x, out_d)`` and ``dispersion(t, x, out_dm)`` passed in as arguments.

Random numbers: each path's stream is SplitMix64 (Steele, Lea & Flood 2014), a Weyl sequence through a
64-bit mixing function, started from the path's state in ``state[p]`` (the caller derives those from
the seed); normals come from the ziggurat method of Marsaglia & Tsang (2000, J. Stat. Softw. 5(8)) with
128 layers, taking the layer index and the 32-bit signed sample from disjoint bits of one 64-bit draw.
The kernels write each path's final stream state back into ``state`` so a caller can continue it.
Kernels validate nothing and allocate only per-path scratch passed in by the caller.
"""
import math

import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_MASK7 = np.uint64(127)
_TWO53_INV = 1.0 / 9007199254740992.0
_ZIG_R = 3.442619855899  # Marsaglia & Tsang (2000), 128-layer normal ziggurat: right-most layer edge
_ZIG_V = 9.91256303526217e-3  # ... and the common layer area


def ziggurat_tables() -> tuple:
    """Layer tables ``(kn, wn, fn)`` of the 128-layer normal ziggurat (Marsaglia & Tsang 2000, Sec. 4)."""
    m1 = 2147483648.0
    kn = np.zeros(128)
    wn = np.zeros(128)
    fn = np.zeros(128)
    dn = tn = _ZIG_R
    q = _ZIG_V / math.exp(-0.5 * dn * dn)
    kn[0] = (dn / q) * m1
    kn[1] = 0.0
    wn[0] = q / m1
    wn[127] = dn / m1
    fn[0] = 1.0
    fn[127] = math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(_ZIG_V / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = (dn / tn) * m1
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


KN, WN, FN = ziggurat_tables()


@njit(inline="always")
def splitmix64(state):
    """One SplitMix64 step: returns (new_state, 64-bit output)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return state, z ^ (z >> _S31)


@njit(inline="always")
def _uniform_open(state):
    state, u = splitmix64(state)
    return state, (np.float64(u >> _S11) + 0.5) * _TWO53_INV


@njit(inline="always")
def _signed32(u):
    v = np.int64(u >> _S32)
    if v >= 2147483648:
        v -= 4294967296
    return v


@njit(cache=True)
def _normal_slow(state, iz, hz, kn, wn, fn):
    """Rejection branch of the ziggurat (rare: about 1.2% of draws)."""
    while True:
        x = hz * wn[iz]
        if iz == 0:  # base strip: sample the tail beyond r (Marsaglia 1964)
            while True:
                state, u1 = _uniform_open(state)
                state, u2 = _uniform_open(state)
                x = -math.log(u1) / _ZIG_R
                y = -math.log(u2)
                if y + y >= x * x:
                    break
            return state, (_ZIG_R + x) if hz > 0 else -(_ZIG_R + x)
        state, u = _uniform_open(state)
        if fn[iz] + u * (fn[iz - 1] - fn[iz]) < math.exp(-0.5 * x * x):
            return state, x
        state, w = splitmix64(state)
        iz = np.int64(w & _MASK7)
        hz = _signed32(w)
        if abs(hz) < kn[iz]:
            return state, hz * wn[iz]


@njit(inline="always")
def standard_normal(state, kn, wn, fn):
    """One N(0, 1) draw from the stream ``state``: returns (new_state, z)."""
    state, w = splitmix64(state)
    iz = np.int64(w & _MASK7)
    hz = _signed32(w)
    if abs(hz) < kn[iz]:
        return state, hz * wn[iz]
    return _normal_slow(state, iz, hz, kn, wn, fn)


@njit(parallel=True, cache=True)
def standard_normals(state, kn, wn, fn, out):
    """Fill ``out[p, :]`` with N(0, 1) draws from stream ``p``; advance ``state[p]``."""
    n, k = out.shape
    for p in prange(n):
        s = state[p]
        for j in range(k):
            s, out[p, j] = standard_normal(s, kn, wn, fn)
        state[p] = s


@njit(parallel=True, fastmath={"contract"}, cache=True)
def linear_gaussian_paths(F, f, L, state, kn, wn, fn, z, out):
    """``out[p, k+1] = F out[p, k] + f + L z`` with fresh ``z ~ N(0, I_m)`` per step; ``out[p, 0]`` is
    the initial state (set by the caller).  ``z`` is (n, m) scratch."""
    n, K1, d = out.shape
    m = L.shape[1]
    if d == 1 and m == 1:  # scalar fast path: the state stays in a register (no reload of out[p, k])
        F00, f0, L00 = F[0, 0], f[0], L[0, 0]
        for p in prange(n):
            s = state[p]
            x = out[p, 0, 0]
            for k in range(K1 - 1):
                s, zz = standard_normal(s, kn, wn, fn)
                x = f0 + F00 * x + L00 * zz
                out[p, k + 1, 0] = x
            state[p] = s
        return
    for p in prange(n):
        s = state[p]
        zp = z[p]
        for k in range(K1 - 1):
            for j in range(m):
                s, zp[j] = standard_normal(s, kn, wn, fn)
            for i in range(d):
                acc = f[i]
                for j in range(d):
                    acc += F[i, j] * out[p, k, j]
                for j in range(m):
                    acc += L[i, j] * zp[j]
                out[p, k + 1, i] = acc
        state[p] = s


@njit(parallel=True, fastmath={"contract"}, cache=True)
def euler_maruyama_paths(drift, dispersion, t0, dt, state, kn, wn, fn, x, b, S, z, out):
    """Euler-Maruyama: ``out[p, k+1] = out[p, k] + drift(t_k, .) dt + dispersion(t_k, .) sqrt(dt) z``,
    ``t_k = t0 + k dt``.  ``x``, ``b`` (n, d), ``S`` (n, d, m) and ``z`` (n, m) are scratch; the current state
    lives in ``x[p]`` so the loop creates no array views (their reference counts would be shared by threads)."""
    n, K1, d = out.shape
    m = z.shape[1]
    sq = math.sqrt(dt)
    for p in prange(n):
        s = state[p]
        xp = x[p]
        bp = b[p]
        Sp = S[p]
        zp = z[p]
        for i in range(d):
            xp[i] = out[p, 0, i]
        for k in range(K1 - 1):
            t = t0 + k * dt
            drift(t, xp, bp)
            dispersion(t, xp, Sp)
            for j in range(m):
                s, zz = standard_normal(s, kn, wn, fn)
                zp[j] = zz * sq
            for i in range(d):
                acc = xp[i] + bp[i] * dt
                for j in range(m):
                    acc += Sp[i, j] * zp[j]
                out[p, k + 1, i] = acc
            for i in range(d):
                xp[i] = out[p, k + 1, i]
        state[p] = s
