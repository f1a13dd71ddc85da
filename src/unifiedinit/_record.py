"""Frozen value classes, declared like dataclasses, built without them.

``dataclasses`` writes and compiles an ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` for every class, and
imports ``inspect`` to do it: for the 37 spec, draw and layout classes that is most of ``import unifiedinit``.
``Record`` reads a class's annotated fields once, when the class is created, and shares one generic
implementation: keyword or positional arguments in field order, defaults from the class body,
``__post_init__`` for validation, a repr that evaluates back, equality and hashing by type and values, and no
assignment after construction (``object.__setattr__`` in ``__post_init__`` normalizes a value).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # for type checkers only: no runtime import of typing
    from typing import Any

    from typing_extensions import dataclass_transform
else:
    def dataclass_transform(**_: object):  # noqa: D103 - the runtime stand-in: the decorator does nothing
        return lambda cls: cls


def _is_classvar(annotation: object) -> bool:
    return str(annotation).startswith(("ClassVar", "typing.ClassVar"))


@dataclass_transform(frozen_default=True, eq_default=True)
class Record:
    """Base of the frozen value classes: subclasses annotate their fields (``ClassVar`` ones are not fields)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _fieldset: frozenset[str] = frozenset()
    _defaults: dict[str, Any] = {}
    _post_init: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if _is_classvar(annotation):
                continue
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
        required_after_default = [n for i, n in enumerate(fields) if n not in defaults and
                                  any(m in defaults for m in fields[:i])]
        if required_after_default:
            raise TypeError(f"{cls.__name__}: field {required_after_default[0]!r} without a default follows one with")
        cls._fields, cls._fieldset, cls._defaults = tuple(fields), frozenset(fields), defaults
        cls._post_init = getattr(cls, "__post_init__", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        if not args and kwargs.keys() <= cls._fieldset:  # keywords only, all known: the backends' walks
            values = {**cls._defaults, **kwargs}
            if len(values) == len(cls._fields):
                self.__dict__.update(values)
                if cls._post_init is not None:
                    cls._post_init(self)
                return
        fields = cls._fields
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments, got {len(args)}")
        values = dict(cls._defaults)
        values.update(zip(fields, args))
        if kwargs:
            for name in kwargs:
                if name not in cls._defaults and name not in fields:
                    raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {name!r}")
                if name in fields[:len(args)]:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            values.update(kwargs)
        if len(values) != len(fields):
            missing = next(name for name in fields if name not in values)
            raise TypeError(f"{cls.__name__}() missing required argument {missing!r}")
        self.__dict__.update(values)
        if cls._post_init is not None:
            cls._post_init(self)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")

    def _replace(self, **changes: Any) -> Any:
        """A copy with some fields changed, without running ``__post_init__`` again (for values already valid)."""
        if not changes.keys() <= self._fieldset:
            unknown = next(name for name in changes if name not in self._fieldset)
            raise TypeError(f"{type(self).__name__} has no field {unknown!r}")
        new = object.__new__(type(self))
        values = new.__dict__
        values.update(self.__dict__)
        if len(values) > len(self._fields):  # what was computed from the old values
            for cache in _CACHES:
                values.pop(cache, None)
        values.update(changes)
        return new

    @classmethod
    def _unchecked(cls, values: dict[str, Any]) -> Any:
        """A record of ``values``, a dict of every field (a backend's walk fills a template per layer class),
        without ``__post_init__``: for values already valid, made many times over on a hot path. The dict becomes
        the record's own: the caller hands it over and keeps no reference."""
        if len(values) != len(cls._fields):
            raise TypeError(f"{cls.__name__}._unchecked: needs every field, got {sorted(values)}")
        new = object.__new__(cls)
        object.__setattr__(new, "__dict__", values)
        return new

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        found = self.__dict__.get("_hash")  # records are looked up in caches over and over: hash once
        if found is None:
            found = hash((type(self).__qualname__,) + self._values())
            self.__dict__["_hash"] = found
        return found

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: Any) -> Any:
        return self

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self._values()))


#: per-instance caches kept in ``__dict__`` beside the fields, dropped by ``_replace``: the hash, and a draw's
#: support per dtype (``reference.support_in``)
_CACHES = ("_hash", "_supports")


def _rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    return cls(*values)


def fields(obj: Any) -> tuple[str, ...]:
    """The field names of a Record class or instance, in order."""
    return obj._fields
