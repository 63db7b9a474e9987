"""A minimal JSON Schema checker for plugin config and tool params.

It covers what our schemas (pydantic-generated and hand-written) use: ``type`` (one or a list),
``enum``, ``const``, ``minimum``/``maximum`` (and exclusive), ``minLength``/``maxLength``,
``minItems``/``maxItems``, ``required``, ``properties``, ``additionalProperties`` (bool or schema),
``items``, ``anyOf``/``oneOf``, ``allOf`` and local ``$ref`` (``#/$defs/...``). Unknown keywords
are ignored, as JSON Schema says. The point is a clear message naming the field, not full
draft-2020 compliance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from smart_spawn_plugin.errors import InvalidParam

_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list, tuple),
    "null": (type(None),),
}


class SchemaIssue(InvalidParam):
    """A value does not match a schema; ``field`` is the dotted path to it."""


def check(value: object, schema: Mapping[str, Any], *, where: str = "") -> None:
    """Raise :class:`SchemaIssue` naming the first field of ``value`` that breaks ``schema``.

    ``where`` prefixes the path in messages and in ``field`` (e.g. ``"plugins.x.config"``).
    """
    _check(value, schema, schema, where)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _fail(path: str, message: str) -> SchemaIssue:
    return SchemaIssue(f"{path or 'value'}: {message}", field=path or None)


def _is_type(value: object, name: str) -> bool:
    kinds = _TYPES.get(name)
    if kinds is None:
        return True
    # bool is an int subclass in Python but not a number in JSON
    if name in {"integer", "number"} and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, kinds)


def _resolve(ref: str, root: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    if not ref.startswith("#/"):
        raise _fail(path, f"unsupported $ref {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, Mapping) or part not in node:
            raise _fail(path, f"unresolvable $ref {ref!r}")
        node = node[part]
    if not isinstance(node, Mapping):
        raise _fail(path, f"unresolvable $ref {ref!r}")
    return node


def _check(value: object, schema: Mapping[str, Any], root: Mapping[str, Any], path: str) -> None:
    if "$ref" in schema:
        _check(value, _resolve(str(schema["$ref"]), root, path), root, path)
    for sub in schema.get("allOf", ()):
        _check(value, sub, root, path)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        _check_alternatives(value, alternatives, root, path)
    _check_scalar(value, schema, path)
    if isinstance(value, dict):
        _check_object(value, schema, root, path)
    elif isinstance(value, list | tuple):
        _check_array(value, schema, root, path)


def _check_alternatives(
    value: object, alternatives: list[Mapping[str, Any]], root: Mapping[str, Any], path: str
) -> None:
    issues: list[SchemaIssue] = []
    for alt in alternatives:
        try:
            _check(value, alt, root, path)
        except SchemaIssue as issue:
            issues.append(issue)
        else:
            return
    # the most specific complaint (deepest path) is the most useful one to show
    raise max(issues, key=lambda issue: len(issue.field or ""))


def _check_scalar(value: object, schema: Mapping[str, Any], path: str) -> None:
    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else list(expected)
        if not any(_is_type(value, name) for name in names):
            raise _fail(path, f"expected {' or '.join(names)}, got {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(repr(v) for v in schema["enum"])
        raise _fail(path, f"must be one of {allowed}, got {value!r}")
    if "const" in schema and value != schema["const"]:
        raise _fail(path, f"must be {schema['const']!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_bounds(value, schema, path)
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise _fail(path, f"must have at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise _fail(path, f"must have at most {schema['maxLength']} characters")


def _check_bounds(value: float, schema: Mapping[str, Any], path: str) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        raise _fail(path, f"must be >= {schema['minimum']}, got {value}")
    if "maximum" in schema and value > schema["maximum"]:
        raise _fail(path, f"must be <= {schema['maximum']}, got {value}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        raise _fail(path, f"must be > {schema['exclusiveMinimum']}, got {value}")
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        raise _fail(path, f"must be < {schema['exclusiveMaximum']}, got {value}")


def _check_object(
    value: dict[Any, Any], schema: Mapping[str, Any], root: Mapping[str, Any], path: str
) -> None:
    for key in schema.get("required", ()):
        if key not in value:
            raise _fail(_join(path, key), "required")
    properties: Mapping[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        sub_path = _join(path, str(key))
        if key in properties:
            _check(item, properties[key], root, sub_path)
        elif extra is False:
            allowed = ", ".join(sorted(properties)) or "none"
            raise _fail(sub_path, f"unknown key (allowed: {allowed})")
        elif isinstance(extra, Mapping):
            _check(item, extra, root, sub_path)


def _check_array(
    value: list[Any] | tuple[Any, ...],
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
    path: str,
) -> None:
    if "minItems" in schema and len(value) < schema["minItems"]:
        raise _fail(path, f"must have at least {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise _fail(path, f"must have at most {schema['maxItems']} items")
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            _check(item, items, root, _join(path, index))
