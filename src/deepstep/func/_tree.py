"""Nested containers of tensors ("pytrees", PyTorch's torch.utils._pytree for the common cases).

A tree is a tuple, list, dict (OrderedDict included) or namedtuple of trees; anything else is a
leaf (a tensor, a number, None). The transforms take and return trees: flatten gives the leaves
in order and a spec that unflatten uses to rebuild the same containers around new leaves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["TreeSpec", "broadcast_prefix", "tree_flatten", "tree_map", "tree_unflatten"]


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _children(x: Any) -> tuple[Any, list[Any]] | None:
    """(context, children) of a container node, None for a leaf. The context is what unflatten
    needs besides the children: the type, and the keys of a dict."""
    if isinstance(x, dict):
        return (type(x), tuple(x)), list(x.values())
    if _is_namedtuple(x) or isinstance(x, (tuple, list)):
        return (type(x), None), list(x)
    return None


class TreeSpec:
    """The shape of a tree: its containers and where the leaves go (None for a leaf)."""

    __slots__ = ("children", "context", "num_leaves")

    def __init__(self, context: Any, children: list[TreeSpec]) -> None:
        self.context, self.children = context, children
        self.num_leaves = 1 if context is None else sum(c.num_leaves for c in children)

    def is_leaf(self) -> bool:
        return self.context is None

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TreeSpec) and self.context == other.context and self.children == other.children
        )

    def __hash__(self) -> int:
        return hash((self.context, tuple(self.children)))

    def __repr__(self) -> str:
        if self.context is None:
            return "*"
        kind, keys = self.context
        inner = ", ".join(
            f"{k!r}: {c!r}" if keys is not None else repr(c)
            for k, c in zip(keys or [None] * len(self.children), self.children, strict=True)
        )
        return f"{kind.__name__}({inner})"


def tree_flatten(tree: Any) -> tuple[list[Any], TreeSpec]:
    """(the leaves in order, depth first, the spec to rebuild the tree)."""
    leaves: list[Any] = []

    def walk(node: Any) -> TreeSpec:
        found = _children(node)
        if found is None:
            leaves.append(node)
            return TreeSpec(None, [])
        context, children = found
        return TreeSpec(context, [walk(child) for child in children])

    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves: list[Any], spec: TreeSpec) -> Any:
    """The tree of the spec's shape holding `leaves` in order."""
    if len(leaves) != spec.num_leaves:
        raise ValueError(f"tree_unflatten: the spec holds {spec.num_leaves} leaves, got {len(leaves)}")
    items = iter(leaves)

    def build(node: TreeSpec) -> Any:
        if node.context is None:
            return next(items)
        kind, keys = node.context
        children = [build(child) for child in node.children]
        if keys is not None:
            pairs = zip(keys, children, strict=True)
            return kind(pairs) if kind in (dict, OrderedDict) else _rebuilt_dict(kind, pairs)
        if issubclass(kind, tuple) and kind is not tuple:
            return kind(*children)  # a namedtuple takes its fields as arguments
        return kind(children)

    return build(spec)


def _rebuilt_dict(kind: type, pairs: Any) -> dict:
    """A dict subclass (defaultdict…) rebuilt as a plain dict when its constructor wants more."""
    try:
        return kind(pairs)
    except TypeError:
        return dict(pairs)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """The same tree with fn applied to every leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(leaf) for leaf in leaves], spec)


def broadcast_prefix(prefix: Any, spec: TreeSpec) -> list[Any] | None:
    """A leaf of `prefix` for every leaf of the tree `spec` describes, where prefix has the tree's
    shape down to its own leaves, each standing for the whole sub-tree under it (how vmap's in_dims
    and out_dims match the inputs and outputs); None where the shapes differ."""
    out: list[Any] = []

    def walk(p: Any, node: TreeSpec) -> bool:
        found = _children(p)
        if found is None:
            out.extend([p] * node.num_leaves)
            return True
        context, children = found
        if node.context is None or context != node.context or len(children) != len(node.children):
            return False
        return all(walk(c, n) for c, n in zip(children, node.children, strict=True))

    return out if walk(prefix, spec) else None
