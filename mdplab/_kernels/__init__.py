"""Private numba kernels, one module per operator, shared by every model type.

Conventions: a kernel does one sweep, takes C-contiguous arrays and
scalars, writes into preallocated outputs, validates nothing and allocates nothing in loops.
Each operator comes in two layouts of the same transition matrix:

* ``*_dense``: ``P[s, a, s']`` of shape ``(S, A, S)``;
* ``*_csr``: row-compressed ``(indptr, indices, data)`` with row ``s*A + a`` holding ``P[s, a, :]``.

Callers (``mdplab.solvers`` and friends) validate their inputs through the model classes first.
Kernels that loop over states use ``prange``: every state's output depends only on inputs, so results
are bit-identical whatever the thread count.  ``FASTMATH`` allows re-association of the inner dot
product (SIMD); a kernel's result is still deterministic for a given build.
"""
FASTMATH = {"reassoc", "contract"}
