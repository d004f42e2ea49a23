"""Grouping by shared keys: items that share any key (an identifier, a folded title) are one group,
also through chains (a shares with b, b with c). A small union-find: the merge groups config entries
that are one paper, discover groups the author queries' records."""

from __future__ import annotations

from typing import Iterable

__all__ = ["group_by_keys"]


def group_by_keys(keys: Iterable[Iterable[str]]) -> tuple[list[list[int]], dict[tuple[int, int], str]]:
    """Group items by the keys each holds (``keys[i]``: the keys of item ``i``).

    Returns (the groups as lists of item indexes, each in index order, groups ordered by their first
    item; and for each join, ``(earlier item, later item) -> the key that joined them``, the first
    key in sorted order that did)."""
    parent: list[int] = []

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    joined: dict[tuple[int, int], str] = {}
    for i, held in enumerate(keys):
        parent.append(i)
        for key in sorted(set(held)):
            if key in first and root(first[key]) != root(i):
                a, b = sorted((root(first[key]), root(i)))
                parent[b] = a
                joined.setdefault((first[key], i), key)
            first.setdefault(key, i)
    groups: dict[int, list[int]] = {}
    for i in range(len(parent)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0]), joined
