"""Named graph instances for the random-walk scenarios (plain builders; nothing is registered).

* :func:`named_graph` returns networkx's built-in graphs relabelled ``0..N-1`` (``"karate"``: Zachary's
  karate club, Zachary 1977, J. Anthropol. Res. 33(4), 34 nodes, 78 edges; ``"florentine"``,
  ``"les_miserables"``, ``"davis"``, ``"petersen"``, ...) and the 8-node toy ``"g8"``.
* :func:`toy_graph_g8`: our 8-node toy graph (two triangles joined by a bridge, the second sharing an
  edge with a 4-cycle; :data:`G8_EDGES`), chosen for small-scale reproductions of the SRRW / SA-SRRW
  results; it is not a graph of the papers.
* :func:`grid_graph`: ``rows x cols`` grids and tori.

SNAP graphs such as wiki-Vote are **not bundled** (no downloads here); read one yourself with
``networkx.read_edgelist(path)`` and pass the graph in (largest connected component, undirected).
Chains on these graphs (Metropolis-Hastings, simple walk, spectra) are in :mod:`mdplab.chains`.
"""
from __future__ import annotations

import networkx as nx

from mdplab.errors import ModelError

__all__ = ["G8_EDGES", "toy_graph_g8", "grid_graph", "named_graph"]

#: Edges of the 8-node toy graph :func:`toy_graph_g8`: a triangle (0, 1, 2), the bridge (2, 3), a triangle
#: (3, 4, 5) and the 4-cycle (4, 5, 6, 7) sharing its edge (4, 5).
G8_EDGES = ((0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3), (5, 6), (6, 7), (7, 4))

_BUILTINS = {
    "karate": nx.karate_club_graph,
    "florentine": nx.florentine_families_graph,
    "les_miserables": nx.les_miserables_graph,
    "davis": nx.davis_southern_women_graph,
    "petersen": nx.petersen_graph,
    "dodecahedral": nx.dodecahedral_graph,
    "tutte": nx.tutte_graph,
    "krackhardt_kite": nx.krackhardt_kite_graph,
}

_NOT_BUNDLED = ("wiki-vote", "wikivote", "wiki_vote", "soc-wiki-vote", "facebook", "p2p-gnutella04",
                "p2p-gnutella08", "as-733", "dolphins")


def toy_graph_g8() -> nx.Graph:
    """The 8-node toy graph ``"g8"``, edges :data:`G8_EDGES` (ours, for small-scale SRRW reproductions)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(8))
    graph.add_edges_from(G8_EDGES)
    return graph


def grid_graph(rows: int, cols: int, periodic: bool = False) -> nx.Graph:
    """A ``rows x cols`` grid (torus when ``periodic``), nodes relabelled ``0..rows*cols-1`` row-major.

    Grids are bipartite: the simple random walk is periodic there; use
    :func:`mdplab.chains.metropolis_hastings_chain` (irregular grids) or :func:`mdplab.chains.lazy_chain`.
    """
    if int(rows) < 1 or int(cols) < 1 or int(rows) * int(cols) < 2:
        raise ModelError(f"grid_graph: need rows, cols >= 1 and at least 2 nodes, got {rows} x {cols}")
    graph = nx.grid_2d_graph(int(rows), int(cols), periodic=periodic)
    return nx.convert_node_labels_to_integers(graph, ordering="sorted")


def named_graph(name: str) -> nx.Graph:
    """A bundled graph by name: ``"g8"``, or a networkx built-in (:data:`_BUILTINS` keys).

    SNAP / Network-Repository graphs (wiki-Vote, facebook, p2p-Gnutella...) are not bundled and
    raise :class:`ModelError` saying so.
    """
    key = str(name).lower()
    if key == "g8":
        return toy_graph_g8()
    if key in _BUILTINS:
        return nx.convert_node_labels_to_integers(nx.Graph(_BUILTINS[key]()), ordering="sorted")
    if key in _NOT_BUNDLED:
        raise ModelError(f"graph {name!r} is not bundled with mdplab (no downloads); load the edge list "
                         "yourself with networkx.read_edgelist(path) and pass the graph")
    raise ModelError(f"unknown graph {name!r}; bundled: g8, {', '.join(sorted(_BUILTINS))} "
                     "(and grid_graph(rows, cols))")
