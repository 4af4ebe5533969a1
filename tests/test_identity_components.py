"""Identity components on integer ids (ingest/identity.py ``component_roots``) agree with
networkx on random graphs, including chains whose ids run against the hooking order."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest

from journeys.ingest.identity import component_roots, connected_components, small_component_roots
from journeys.warehouse import Warehouse


@pytest.mark.parametrize("seed", range(6))
def test_component_roots_are_each_components_smallest_id(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    m = int(rng.integers(0, 2 * n))
    left, right = rng.integers(0, n, size=m), rng.integers(0, n, size=m)
    roots = component_roots(n, left, right)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    expected = np.empty(n, dtype=np.int64)
    for component in nx.connected_components(graph):
        expected[list(component)] = min(component)
    assert np.array_equal(roots, expected)
    # the plain-Python union-find of small graphs gives the same roots
    links = list(zip(left.tolist(), right.tolist(), strict=True))
    assert small_component_roots(n, links) == expected.tolist()


def test_a_descending_chain_and_string_nodes_keep_the_smallest_node() -> None:
    n = 1000
    chain = np.arange(n - 1, 0, -1)
    assert set(component_roots(n, chain, chain - 1).tolist()) == {0}
    links = list(zip(chain.tolist(), (chain - 1).tolist(), strict=True))
    assert set(small_component_roots(n, links)) == {0}
    edges = pl.DataFrame({"left_node": ["z", "y", "b", "q"], "right_node": ["y", "b", "b", "q"]})
    labels = dict(connected_components(edges).iter_rows())
    assert labels == {"b": "b", "y": "b", "z": "b", "q": "q"}


@pytest.mark.parametrize("in_transaction", [False, True])
def test_node_ids_number_every_node_once_from_zero(tmp_path: Path, in_transaction: bool) -> None:
    """int_identity_nodes numbers the nodes by the rowid of the temp table they are written to
    once: 0 to n - 1, each once, also when the union runs on several threads and fills several
    row groups (the union-find sizes its arrays by the count), and inside a build's one
    transaction once the names are committed (``commit_so_far``, as stitch_identities does)."""
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh._run("SET threads = 2")
        with wh.transaction() if in_transaction else nullcontext():
            wh._run(
                "CREATE TEMP TABLE int_identity_edges AS SELECT 'c:' || (i % 150000) AS "
                "left_node, 'a:' || i AS right_node FROM range(300000) AS t(i)"
            )
            n = wh.materialize_temp(
                "int_identity_node_names", "intermediate/int_identity_node_names"
            )
            wh.commit_so_far()
            wh.view_temp("int_identity_nodes", "intermediate/int_identity_nodes")
            [found] = wh._run(
                "SELECT count(*), count(DISTINCT node_id), min(node_id), max(node_id), "
                "count(DISTINCT node) FROM int_identity_nodes"
            )
        # temp: nothing of the graph is in the work file's own catalog
        assert not wh._run(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND table_name LIKE "
            "'int_identity_%'"
        )
    assert n == 450_000
    assert found == (n, n, 0, n - 1, n)
