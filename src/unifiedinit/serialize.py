"""Specs to and from plain dicts and JSON, by a registry of names.

Loading never evaluates, imports or unpickles anything: a dict names a registered spec class by its
``type``, and its other keys must be exactly that class's fields, holding plain JSON values (numbers,
strings, null, lists) or nested spec dicts where the class takes specs. Anything else is refused with the
path of the offending field, for example ``spec.components[1].std``.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from .specs import Spec, registered

MAX_DEPTH = 32
MAX_JSON_CHARS = 10_000_000


def _fail(path: str, message: str, what: str = "spec") -> ValueError:
    return ValueError(f"cannot load {what}: {path}: {message}")


def _plain_value(value: Any, path: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _fail(path, f"nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_plain_value(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(value)]
    raise _fail(path, f"expected a number, string, null or list, got {type(value).__name__}")


def from_dict(data: Any, *, _path: str = "spec", _depth: int = 0) -> Spec:
    """The spec a ``spec.to_dict()`` describes."""
    if _depth > MAX_DEPTH:
        raise _fail(_path, f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise _fail(_path, f"expected a dict with a 'type' key, got {type(data).__name__}")
    name = data.get("type")
    specs = registered()
    if not isinstance(name, str) or name not in specs:
        raise _fail(f"{_path}.type", f"unknown spec {name!r}; registered: {', '.join(sorted(specs))}")
    cls = specs[name]
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known - {"type"}, key=str)
    if unknown:
        raise _fail(f"{_path}.{unknown[0]}", f"{name} has no parameter {unknown[0]!r}; it takes "
                                             f"{', '.join(sorted(known)) or 'no parameters'}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "type":
            continue
        where = f"{_path}.{key}"
        if key in cls._spec_fields:
            if isinstance(value, list):
                kwargs[key] = [from_dict(x, _path=f"{where}[{i}]", _depth=_depth + 1) for i, x in enumerate(value)]
            else:
                kwargs[key] = from_dict(value, _path=where, _depth=_depth + 1)
        else:
            kwargs[key] = _plain_value(value, where, _depth + 1)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise _fail(_path, str(err)) from None


def to_dict(spec: Spec) -> dict[str, Any]:
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    return spec.to_dict()


def load_json(text: str | bytes, what: str = "spec") -> Any:
    """Parse untrusted JSON text: a length limit, no NaN/Infinity, nesting deeper than Python can follow refused
    with a ValueError (not a RecursionError)."""
    if not isinstance(text, (str, bytes)):
        raise TypeError(f"parameter 'text' must be a JSON string, got {type(text).__name__}")
    if len(text) > MAX_JSON_CHARS:
        raise _fail(what, f"the JSON text is longer than {MAX_JSON_CHARS} characters", what)

    def no_constants(word: str) -> Any:
        raise _fail(what, f"{word} is not a finite number", what)

    try:
        return json.loads(text, parse_constant=no_constants)
    except RecursionError:
        raise _fail(what, f"nested deeper than {MAX_DEPTH} levels", what) from None
    except json.JSONDecodeError as err:
        raise _fail(what, f"not valid JSON ({err})", what) from None


def from_json(text: str | bytes) -> Spec:
    """The spec a ``spec.to_json()`` string describes (see ``from_dict``)."""
    return from_dict(load_json(text))
