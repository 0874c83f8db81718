"""A small JSON Schema checker for the subset that pydantic emits (jsonschema is not a
dependency): $ref, anyOf, oneOf, type, properties, required, items, enum/const,
additionalProperties. Returns the list of problems (empty when the value conforms)."""

from __future__ import annotations

from typing import Any

__all__ = ["conforms"]

_KINDS: dict[str, type | tuple[type, ...]] = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool,
    "null": type(None), "object": dict, "array": list}


def conforms(value: Any, schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    """Problems of ``value`` against ``schema``; ``$ref``s name entries of ``defs`` by their
    last path segment (``#/$defs/X`` and ``#/components/schemas/X`` alike)."""
    if "$ref" in schema:
        return conforms(value, defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    if "anyOf" in schema:
        options = [conforms(value, s, defs) for s in schema["anyOf"]]
        return [] if any(not o for o in options) else [f"{value!r} matches no anyOf option"]
    if "oneOf" in schema:
        matching = sum(1 for s in schema["oneOf"] if not conforms(value, s, defs))
        return [] if matching == 1 else [f"{value!r} matches {matching} oneOf options, not 1"]
    if "const" in schema and value != schema["const"]:
        return [f"{value!r} != const {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{value!r} not in {schema['enum']}"]
    typ = schema.get("type")
    if (typ and not isinstance(value, _KINDS[typ])) or (typ in ("integer", "number")
                                                        and isinstance(value, bool)):
        return [f"{value!r} is not {typ}"]
    errors = []
    if isinstance(value, dict) and "properties" in schema:
        errors += [f"missing {k}" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            if key in schema["properties"]:
                errors += [f"{key}: {e}" for e in conforms(item, schema["properties"][key],
                                                            defs)]
            elif schema.get("additionalProperties") is False:
                errors.append(f"unexpected {key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += [f"[{i}]: {e}" for e in conforms(item, schema["items"], defs)]
    return errors
