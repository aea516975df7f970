"""The editable tree behind the magnet query builder page.

The page keeps a tree of groups and concepts in a hidden field; each button sends
one operation with the path of the node it acts on (`0.2` = third item of the first
item of the root group) and the server answers the redrawn builder. The tree maps
one-to-one onto a magnet expression (`to_expression` / `from_expression`).
"""

import json
from typing import Any

from django.utils.translation import gettext as _

Node = dict[str, Any]


class BuilderError(ValueError):
    pass


def empty_tree(operator: str = "all") -> Node:
    return {"type": "group", "op": operator, "neg": False, "items": []}


def from_expression(expression: Any) -> Node:
    """The builder tree of a (valid) expression; the root is always a group."""
    node = _node(expression)
    if node["type"] != "group":
        return {**empty_tree(), "items": [node]}
    return node


def _node(expression: Any) -> Node:
    if "not" in expression:
        inner = _node(expression["not"])
        return {**inner, "neg": not inner["neg"]}
    if "concept" in expression:
        return {"type": "concept", "code": expression["concept"], "neg": False}
    operator = "all" if "all" in expression else "any"
    return {
        "type": "group",
        "op": operator,
        "neg": False,
        "items": [_node(item) for item in expression[operator]],
    }


def to_expression(tree: Node) -> dict[str, Any] | None:
    """The magnet expression of a tree; empty groups are left out, None if nothing is left."""
    if tree["type"] == "concept":
        expression: dict[str, Any] | None = {"concept": tree["code"]}
    else:
        items = [e for e in (to_expression(item) for item in tree["items"]) if e is not None]
        expression = {tree["op"]: items} if items else None
    if expression is not None and tree["neg"]:
        expression = {"not": expression}
    return expression


def load(raw: str) -> Node:
    """The tree posted by the page (JSON), checked enough to operate on safely."""
    if len(raw) > 100_000:
        raise BuilderError("the builder state is too large")
    try:
        tree = json.loads(raw) if raw else empty_tree()
    except (json.JSONDecodeError, RecursionError):
        raise BuilderError("the builder state is not valid JSON") from None
    _check(tree, 0)
    if tree["type"] != "group":
        raise BuilderError("the root of the builder must be a group")
    return tree


def _check(node: Any, depth: int) -> None:
    if depth > 12 or not isinstance(node, dict) or node.get("type") not in ("group", "concept"):
        raise BuilderError("the builder state is malformed")
    if not isinstance(node.get("neg"), bool):
        raise BuilderError("the builder state is malformed")
    if node["type"] == "concept":
        if not isinstance(node.get("code"), str):
            raise BuilderError("the builder state is malformed")
        return
    if node.get("op") not in ("all", "any") or not isinstance(node.get("items"), list):
        raise BuilderError("the builder state is malformed")
    for item in node["items"]:
        _check(item, depth + 1)


def apply(tree: Node, operation: str, path: str, concept: str = "") -> Node:
    """Apply one builder operation to the tree (in place) and return it."""
    node, parent, index = _find(tree, path)
    if operation == "add-concept":
        code = concept.split(" ", 1)[0].strip()
        if not code:
            raise BuilderError(_("Choose a concept to add."))
        _group(node)["items"].append({"type": "concept", "code": code, "neg": False})
    elif operation == "add-group":
        _group(node)["items"].append(empty_tree("any"))
    elif operation == "toggle-op":
        group = _group(node)
        group["op"] = "any" if group["op"] == "all" else "all"
    elif operation == "toggle-not":
        node["neg"] = not node["neg"]
    elif operation == "remove":
        if parent is None:
            tree.clear()
            tree.update(empty_tree())
        else:
            del parent["items"][index]
    else:
        raise BuilderError(f"unknown operation {operation!r}")
    return tree


def _find(tree: Node, path: str) -> tuple[Node, Node | None, int]:
    node, parent, index = tree, None, -1
    for part in [p for p in path.split(".") if p != ""]:
        if (
            node["type"] != "group"
            or not (part.isascii() and part.isdigit())
            or len(part) > 4
            or int(part) >= len(node["items"])
        ):
            raise BuilderError(f"no item at {path!r}")
        parent, index = node, int(part)
        node = node["items"][index]
    return node, parent, index


def _group(node: Node) -> Node:
    if node["type"] != "group":
        raise BuilderError("concepts can only be added to a group")
    return node


def with_paths(tree: Node, labels: dict[str, str] | None = None, path: str = "") -> Node:
    """A copy of the tree where each node also carries its path and each concept its label
    (`labels`: code → label; a code without one keeps the code), for the template."""
    node = {**tree, "path": path}
    if tree["type"] == "concept":
        node["label"] = (labels or {}).get(tree["code"], tree["code"])
    else:
        node["items"] = [
            with_paths(item, labels, f"{path}.{i}" if path else str(i))
            for i, item in enumerate(tree["items"])
        ]
    return node
