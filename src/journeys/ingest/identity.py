"""Identity stitching: the connected components of the identifier graph become ``customer_key``.

Identifiers (CRM customer ids, web visitor ids, hashed emails and phones, support tickets) are
nodes; logins, CRM contact details and ticket contacts are links (``int_identity_edges``). Each
connected component is one customer. Its key is a keyed hash (``settings.salt``) of the smallest
CRM customer id in it, or of its smallest node when no CRM id is linked (an unstitched visitor
or contact): stable across rebuilds, and it reveals no identifier. An imported log's case is a
node that nothing links: in a warehouse of logs alone each case is its own customer, keyed so
without building the graph.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.runner import Runner
from journeys.warehouse import Warehouse

if TYPE_CHECKING:  # imported where a graph has links: a log of unlinked cases needs neither
    import numpy as np
    import polars as pl

IDENTITY_COLUMNS = {"node": "VARCHAR", "customer_key": "VARCHAR", "is_stitched": "BOOLEAN"}
AMBIGUOUS_COLUMNS = {"kind": "VARCHAR", "node": "VARCHAR"}
ROOT_COLUMNS = {"node_id": "BIGINT", "root_id": "BIGINT"}


@dataclass(frozen=True)
class IdentityResult:
    nodes: int
    customers: int
    stitched_customers: int
    ambiguous_identifiers: int


GRAPH = (
    "int_identity_components",
    "int_identity_nodes",
    "int_identity_node_names",
    "int_identity_edges",
    "int_purchase_buyers",
    "int_web_ids",
)
"""The graph's tables and views, which serve one stitching only: temp objects, held by DuckDB's
memory (spilled to its temp directory beyond the memory limit), never written to the work
file, whose writes compress every value (at 10M events the links and node names took 1.0-1.4 s
longer to write there than as temp tables; docs/benchmarks.md). Their models
(``sql/intermediate/``) name them without a schema. Dropped once ``int_identity`` is built.
``intermediate.int_identity_roots`` (two integers a node, from ``write_rows`` or
``write_arrays``, which write work-file tables) stays a table of the work file, dropped as
well: its write is a few hundredths of a second at 10M events."""

SMALL_GRAPH = 50_000
"""A graph of at most this many nodes and links is stitched in plain Python
(``small_component_roots``): importing NumPy (about 0.07 s) costs more than its union-find."""


def small_component_roots(n: int, links: Sequence[tuple[int, int]]) -> list[int]:
    """``component_roots`` of a small graph, in plain Python: the same roots. Union by the
    smaller root keeps each root its component's smallest id; finds compress their paths."""
    parent = list(range(n))

    def find(node: int) -> int:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(node) for node in range(n)]


def component_roots(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per node id ``0..n-1``, the smallest node id of its connected component.

    ``left``/``right`` are the ends of each link. Hook and compress on integer arrays: each
    round hooks every link's larger root under its smaller one, then compresses the paths
    (parent of parent) until every node points at its root; links whose ends share a root are
    dropped. A root is only ever replaced by a smaller one, so each root is its component's
    smallest id. Memory is a few integers per link and node (no strings, no joins).
    """
    import numpy as np

    parent = np.arange(n, dtype=np.int64)
    a = np.asarray(left, dtype=np.int64)
    b = np.asarray(right, dtype=np.int64)
    while a.size:
        ra, rb = parent[a], parent[b]
        differ = ra != rb
        if not differ.any():
            break
        a, b, ra, rb = a[differ], b[differ], ra[differ], rb[differ]
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def connected_components(edges: pl.DataFrame) -> pl.DataFrame:
    """Label every node with the smallest node of its component.

    ``edges`` has columns left_node, right_node (strings). Returns columns node, component.
    (``stitch_identities`` does the same with the node numbering in DuckDB.)
    """
    import numpy as np
    import polars as pl

    nodes = pl.concat([edges["left_node"], edges["right_node"]]).unique().sort()
    ids = pl.DataFrame({"node": nodes, "node_id": np.arange(nodes.len(), dtype=np.int64)})
    pairs = edges.join(ids, left_on="left_node", right_on="node").join(
        ids, left_on="right_node", right_on="node", suffix="_right"
    )
    roots = component_roots(
        nodes.len(), pairs["node_id"].to_numpy(), pairs["node_id_right"].to_numpy()
    )
    return pl.DataFrame({"node": nodes, "component": nodes.gather(roots)})


def _stitch_in_process(wh: Warehouse, n: int, *, small: bool, salt: str) -> None:
    """``int_identity`` from the union-find of the links on their node ids, here (``small``:
    in plain Python, else on NumPy arrays)."""
    if small:
        roots = small_component_roots(n, wh.rows("queries/identity_edge_ids"))
        wh.write_rows("intermediate.int_identity_roots", ROOT_COLUMNS, list(enumerate(roots)))
    else:
        import numpy as np

        links = wh.arrays("queries/identity_edge_ids")
        found = component_roots(n, links["left_id"], links["right_id"])
        del links
        ids = np.arange(n, dtype=np.int64)
        wh.write_arrays("intermediate.int_identity_roots", {"node_id": ids, "root_id": found})
        del found, ids
    wh.view_temp("int_identity_components", "intermediate/int_identity_components")
    wh.run_model("intermediate/int_identity", salt=salt)
    wh.drop_table("intermediate.int_identity_roots")


def customer_key(anchor: str, salt: str) -> str:
    """``int_identity``'s key of an anchor node (the SQL model computes the same hash)."""
    return "ck_" + hashlib.sha256(f"{salt}|{anchor}".encode()).hexdigest()[:16]


def _links(wh: Warehouse, *, salt: str) -> int:
    """``int_identity_edges`` (and the identifiers too shared to link, first);
    returns the links. Without a web event that names its order, no order is read for
    purchases: a constant false filter, which DuckDB plans away (the orders' scan cost 45 ms of
    1M events)."""
    wh.run_view("intermediate/int_crm_contacts")
    purchases = bool(wh.scalar("queries/web_purchases"))
    wh.materialize_temp("int_purchase_buyers", "intermediate/int_purchase_buyers",
                        purchases=purchases)  # fmt: skip
    wh.materialize_temp("int_web_ids", "intermediate/int_web_ids")  # read by the two below
    wh.run_model("intermediate/int_identity_ambiguous", salt=salt)
    return wh.materialize_temp(
        "int_identity_edges", "intermediate/int_identity_edges", salt=salt, purchases=purchases
    )


def _each_case_alone(wh: Warehouse, *, salt: str) -> IdentityResult:
    """``int_identity`` of a warehouse whose only events are imported logs' (no identifier links
    two cases): each case is its own customer, keyed as the graph would key it, without building
    the graph (``int_identity_cases.sql``; 0.35 s of a 1M-event log's 2.9 s build)."""
    wh.write_rows("intermediate.int_identity_ambiguous", AMBIGUOUS_COLUMNS, [])
    wh.run_model("intermediate/int_identity_cases", salt=salt)
    wh.rename_table("intermediate.int_identity_cases", "int_identity")  # (replacing it)
    return _counted(wh)


def _counted(wh: Warehouse) -> IdentityResult:
    """What ``intermediate.int_identity`` and ``int_identity_ambiguous`` hold, counted."""
    counts = wh.record("queries/identity_counts")
    return IdentityResult(
        nodes=int(counts["nodes"]),
        customers=int(counts["customers"]),
        stitched_customers=int(counts["stitched_customers"]),
        ambiguous_identifiers=wh.count("intermediate.int_identity_ambiguous"),
    )


def stitch_identities(
    wh: Warehouse,
    *,
    salt: str,
    parts: int = 1,
    folder: Path | None = None,
    run_tasks: Runner | None = None,
    limits: Mapping[str, object] | None = None,
) -> IdentityResult:
    """Build ``intermediate.int_identity`` (node, customer_key, is_stitched) from the edges.

    In one process: DuckDB numbers the nodes and maps the links to node ids, Python finds the
    components on those integers (``component_roots``), DuckDB names each component's customer.
    No string column of the graph is ever held in Python (at 100M events: ~20M nodes, ~27M
    links; as strings in polars, over 10 GiB). With ``run_tasks`` and ``parts > 1`` the
    components come from label propagation over ``parts`` partitions of the links, as jobs
    (``components.py``; exchange files under ``folder``). Logs alone: ``_each_case_alone``."""
    if wh.scalar("queries/only_logs"):
        return _each_case_alone(wh, salt=salt)
    if not _links(wh, salt=salt):
        wh.drop_temp(*GRAPH)
        wh.write_rows("intermediate.int_identity", IDENTITY_COLUMNS, [])
        return IdentityResult(0, 0, 0, 0)
    n = wh.materialize_temp("int_identity_node_names", "intermediate/int_identity_node_names")
    wh.commit_so_far()  # the nodes are numbered by rowid: from 0 once the names are committed
    wh.view_temp("int_identity_nodes", "intermediate/int_identity_nodes")  # numbered by rowid
    if run_tasks is not None and parts > 1 and folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        from journeys.ingest.components import label_components  # partitioned runs only

        labels = label_components(
            wh, parts=parts, folder=folder, run_tasks=run_tasks, **(limits or {})
        )
        wh.file_view_temp("identity_labels", labels)
        wh.view_temp("int_identity_components", "intermediate/int_identity_labelled")
        wh.run_model("intermediate/int_identity", salt=salt)
        wh.drop_temp("identity_labels")
        shutil.rmtree(folder, ignore_errors=True)
    else:
        links = int(wh.scalar("queries/identity_link_count"))
        if not links:  # every identifier alone (no login or contact links two): no union-find
            wh.view_temp("int_identity_components", "intermediate/int_identity_unlinked")
            wh.run_model("intermediate/int_identity", salt=salt)
        else:
            _stitch_in_process(wh, n, small=max(n, links) <= SMALL_GRAPH, salt=salt)
    wh.drop_temp(*GRAPH)
    return _counted(wh)
