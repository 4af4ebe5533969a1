"""Identity stitching: the connected components of the identifier graph become ``customer_key``.

Identifiers (CRM customer ids, web visitor ids, hashed emails and phones, support tickets) are
nodes; logins, CRM contact details and ticket contacts are links (``int_identity_edges``). Each
connected component is one customer. Its key is a keyed hash (``settings.salt``) of the smallest
CRM customer id in it, or of its smallest node when no CRM id is linked (an unstitched visitor
or contact): stable across rebuilds, and it reveals no identifier.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from journeys.warehouse import Warehouse


@dataclass(frozen=True)
class IdentityResult:
    nodes: int
    customers: int
    stitched_customers: int
    ambiguous_identifiers: int


def connected_components(edges: pl.DataFrame) -> pl.DataFrame:
    """Label every node with the smallest node of its component.

    ``edges`` has columns left_node, right_node (strings). Min-label propagation over both
    directions, vectorised in polars: each round every node takes the smallest label among
    itself and its neighbours, then labels are pointer-jumped (label of label), so the rounds
    grow logarithmically with component diameter. Returns columns node, component.
    """
    both = pl.concat(
        [
            edges.select(pl.col("left_node").alias("a"), pl.col("right_node").alias("b")),
            edges.select(pl.col("right_node").alias("a"), pl.col("left_node").alias("b")),
        ]
    ).unique()
    labels = (
        both.group_by("a")
        .agg(pl.col("b").min().alias("label"))
        .select(pl.col("a").alias("node"), pl.min_horizontal("a", "label").alias("label"))
    )
    while True:
        neighbour = (
            both.join(labels, left_on="b", right_on="node")
            .group_by("a")
            .agg(pl.col("label").min().alias("nlabel"))
        )
        updated = (
            labels.join(neighbour, left_on="node", right_on="a", how="left")
            .with_columns(pl.min_horizontal("label", "nlabel").alias("label"))
            .drop("nlabel")
        )
        jumped = (
            updated.join(updated.rename({"node": "label", "label": "root"}), on="label", how="left")
            .with_columns(
                pl.min_horizontal("label", pl.col("root").fill_null(pl.col("label"))).alias("label")
            )
            .drop("root")
        )
        changed = (
            jumped.join(labels, on="node", suffix="_old")
            .filter(pl.col("label") != pl.col("label_old"))
            .height
        )
        labels = jumped
        if changed == 0:
            return labels.rename({"label": "component"})


def customer_key(anchor: str, salt: str) -> str:
    return "ck_" + hashlib.sha256(f"{salt}|{anchor}".encode()).hexdigest()[:16]


def stitch_identities(wh: Warehouse, *, salt: str) -> IdentityResult:
    """Build ``intermediate.int_identity`` (node, customer_key, is_stitched) from the edges."""
    wh.run_model("intermediate/int_identity_ambiguous")
    wh.run_model("intermediate/int_identity_edges")
    edges = wh.read_table("intermediate.int_identity_edges", columns=["left_node", "right_node"])
    if edges.height == 0:
        frame = pl.DataFrame(
            schema={"node": pl.String, "customer_key": pl.String, "is_stitched": pl.Boolean}
        )
        wh.write_table("intermediate.int_identity", frame)
        return IdentityResult(0, 0, 0, 0)
    components = connected_components(edges)
    anchors = (
        components.with_columns(
            pl.when(pl.col("node").str.starts_with("c:")).then(pl.col("node")).alias("crm")
        )
        .group_by("component")
        .agg(pl.col("crm").min().alias("crm_anchor"), pl.col("node").min().alias("any_anchor"))
        .with_columns(
            pl.coalesce("crm_anchor", "any_anchor").alias("anchor"),
            pl.col("crm_anchor").is_not_null().alias("is_stitched"),
        )
    )
    keys = (
        anchors.select("anchor")
        .unique()
        .with_columns(
            pl.col("anchor")
            .map_elements(lambda a: customer_key(a, salt), return_dtype=pl.String)
            .alias("customer_key")
        )
    )
    identity = (
        components.join(anchors.select("component", "anchor", "is_stitched"), on="component")
        .join(keys, on="anchor")
        .select("node", "customer_key", "is_stitched")
        .sort("node")
    )
    wh.write_table("intermediate.int_identity", identity)
    return IdentityResult(
        nodes=identity.height,
        customers=keys.height,
        stitched_customers=int(anchors["is_stitched"].sum()),
        ambiguous_identifiers=wh.count("intermediate.int_identity_ambiguous"),
    )
