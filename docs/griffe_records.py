"""A griffe extension for the API reference (mkdocs.yml loads it).

unifiedinit's frozen value classes (specs, draws, layouts, ``Param``) derive from ``unifiedinit._record.Record``:
declared like dataclasses, built without them (see that module). Griffe reads source, so it sees no ``__init__``
on them. This extension gives each such class the constructor ``Record`` gives it at run time (its annotated
fields, base classes' first, with the class body's defaults; ``ClassVar`` ones are not fields), so the reference
shows the real signature and checks each docstring's ``Args`` against it.
"""

from __future__ import annotations

from typing import Any

import griffe

RECORD = "unifiedinit._record.Record"


def _is_record(cls: griffe.Class) -> bool:
    try:
        return any(base.path == RECORD for base in cls.mro())
    except ValueError:  # a base griffe cannot resolve
        return False


def _fields(cls: griffe.Class) -> list[griffe.Parameter]:
    found: dict[str, griffe.Parameter] = {}
    for owner in [*reversed(cls.mro()), cls]:
        if owner.path == RECORD:
            continue
        for member in owner.members.values():
            if member.is_alias or not member.is_attribute or member.annotation is None:
                continue
            if str(member.annotation).startswith(("ClassVar", "typing.ClassVar")) or "property" in member.labels:
                continue
            default = member.value if member.value is not None else found.get(member.name, None)
            if isinstance(default, griffe.Parameter):
                default = default.default
            found[member.name] = griffe.Parameter(member.name, annotation=member.annotation, default=default,
                                                  kind=griffe.ParameterKind.positional_or_keyword,
                                                  docstring=member.docstring)
    return list(found.values())


def _visit(obj: griffe.Module | griffe.Class, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if isinstance(obj, griffe.Class) and "__init__" not in obj.members and obj.path != RECORD and _is_record(obj):
        self_ = griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)
        obj.set_member("__init__", griffe.Function("__init__", lineno=0, endlineno=0, parent=obj, returns="None",
                                                   parameters=griffe.Parameters(self_, *_fields(obj))))
    for member in list(obj.members.values()):
        if not member.is_alias and (member.is_module or member.is_class):
            _visit(member, seen)  # type: ignore[arg-type]


class RecordInit(griffe.Extension):
    """Adds the run-time constructor to every ``Record`` class of the loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _visit(pkg, set())
