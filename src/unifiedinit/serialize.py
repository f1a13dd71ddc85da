"""Specs to and from plain dicts and JSON, by a registry of names.

Loading never evaluates, imports or unpickles anything: a dict names a registered spec class by its
``type``, and its other keys must be exactly that class's fields, holding plain JSON values (numbers,
strings, null, lists, string-keyed objects) or nested spec dicts where the class takes specs (null where it takes
an optional one). Anything else is refused with the
path of the offending field, for example ``spec.components[1].std``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any

from . import _validate as v
from .specs import Spec, readable

MAX_DEPTH = 32
#: the longest JSON text ``from_json`` reads, and so the longest ``to_json`` writes: 64 million characters, past the
#: largest recipe (RWKV-7B's, about 16 million: thirty-two layers of 4,096-entry tables) and small enough that a
#: hostile file of numbers costs a few hundred MB to parse at most
MAX_JSON_CHARS = 64_000_000
#: user text (an expression, a key, a name) is echoed in a message up to this many characters, then cut
SHOWN_CHARS = 80


def _brief(text: str) -> str:
    """``text`` for a message as every message shows a user's value (``_validate.cut``), at SHOWN_CHARS characters:
    a 10,000-character expression or key is shown by its ends and its length, not echoed whole."""
    return v.cut(text, SHOWN_CHARS)


def _quoted(value: Any) -> str:
    """``repr(value)`` for a message, cut as ``_brief`` cuts it (``_validate.shown``)."""
    return v.shown(value, SHOWN_CHARS)


def _no_parameter(spec_name: str, cls: Any, name: Any) -> str:
    """Why the spec class ``cls`` (registered as ``spec_name``) refuses a parameter ``name`` it does not take, with
    the parameters it takes."""
    known = sorted(cls._fields)
    return f"{spec_name} has no parameter {_quoted(name)}; it takes {', '.join(known) or 'no parameters'}"


def _fail(path: str, message: str, what: str = "spec") -> ValueError:
    return ValueError(f"cannot load {what}: {path}: {message}")


def dump_json(data: Any, what: str = "spec") -> str:
    """``data`` (a ``to_dict``) as JSON text, refused if ``load_json`` or ``from_dict`` would refuse it for its
    length, an integer of more than MAX_INT_DIGITS digits or a spec nested deeper than MAX_DEPTH levels (counted as
    ``from_dict`` counts them, a value's lists included): what is written can always be read back."""
    import json
    plan: dict[str, Any] | list[Any] | None = data
    if what == "spec":
        _writable(data, "spec", 0, what)
    if what == "plan" and isinstance(plan, dict):
        for i, rule in enumerate(plan.get("rules", [])):
            rule_dict: dict[str, Any] = rule
            for key, value in rule_dict.items():
                where = f"plan.rules[{i}].{key}"
                if key == "spec" and isinstance(value, dict):
                    _writable(value, where, 0, what)
                else:
                    _int_fits(value, where, what)
    text = json.dumps(data, allow_nan=False)
    if len(text) > MAX_JSON_CHARS:
        raise ValueError(f"cannot write this {what} as JSON: it takes {len(text)} characters, and from_json reads at "
                         f"most {MAX_JSON_CHARS}; keep its to_dict() in a format of your own")
    return text


def _refuse_write(path: str, message: str, what: str) -> ValueError:
    return ValueError(f"cannot write this {what} as JSON: {path}: {message}; from_json would not read it back")


def _int_fits(value: Any, path: str, what: str) -> None:
    """Refuse an integer that ``load_json`` would refuse (more than MAX_INT_DIGITS digits), naming its field."""
    given: Any = value
    if isinstance(given, int) and not isinstance(given, bool) and given.bit_length() > 3 * MAX_INT_DIGITS:
        digits = len(str(abs(given))) if given.bit_length() < 14000 else MAX_INT_DIGITS + 1
        if digits > MAX_INT_DIGITS:
            raise _refuse_write(path, f"an integer of {digits} digits (from_json reads at most {MAX_INT_DIGITS})", what)


def _writable(data: Any, path: str, depth: int, what: str) -> None:
    """Refuse a ``to_dict`` that ``from_dict`` would refuse for its nesting or its integers, counting depth as it
    does: one level per nested spec, and one per list of a plain value, the value itself included."""
    if depth > MAX_DEPTH:
        raise _refuse_write(path, f"nested deeper than {MAX_DEPTH} levels (specs within specs, and a value's lists, "
                                  "count)", what)
    given: dict[str, Any] | list[Any] | float | str | None = data
    if isinstance(given, dict):
        for key, value in given.items():
            if key == "type":
                continue
            where = f"{path}.{key}"
            items: list[Any] | dict[str, Any] | float | str | None = value
            if isinstance(items, list) and items and all(isinstance(x, dict) for x in items):
                for i, x in enumerate(items):
                    _writable(x, f"{where}[{i}]", depth + 1, what)
            elif isinstance(items, dict):
                _writable(items, where, depth + 1, what)
            else:
                _plain_writable(items, where, depth + 1, what)


def _plain_writable(value: Any, path: str, depth: int, what: str) -> None:
    if depth > MAX_DEPTH:
        raise _refuse_write(path, f"nested deeper than {MAX_DEPTH} levels (specs within specs, and a value's lists, "
                                  "count)", what)
    given: list[Any] | float | str | None = value
    if isinstance(given, list):
        for i, x in enumerate(given):
            _plain_writable(x, f"{path}[{i}]", depth + 1, what)
    else:
        _int_fits(given, path, what)


def _plain_value(value: Any, path: str, depth: int) -> Any:
    """A plain JSON value, checked: a number, string, None, or a list or a string-keyed dict of them (one level
    more each), as ``from_expression`` reads one (``Scaled``'s constants as ``{"w": 64.0}``); the spec checks it."""
    if depth > MAX_DEPTH:
        raise _fail(path, f"nested deeper than {MAX_DEPTH} levels")
    given: bool | int | float | str | list[Any] | dict[Any, Any] | None = value  # a loaded value: checked here
    if given is None or isinstance(given, (bool, int, float, str)):
        return given
    if isinstance(given, list):
        return [_plain_value(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(given)]
    if isinstance(given, dict):
        key = next((k for k in given if not isinstance(k, str)), None)
        if key is not None:
            raise _fail(path, f"a dict's keys must be strings, got {_quoted(key)}")
        return {k: _plain_value(x, f"{path}.{_brief(k)}", depth + 1) for k, x in given.items()}
    raise _fail(path, f"expected a number, string, null, list or dict, got {type(value).__name__}")


def from_dict(data: Any, *, _path: str = "spec", _depth: int = 0) -> Spec:
    """The spec a ``spec.to_dict()`` describes.

    Loading evaluates, imports and unpickles nothing: ``data["type"]`` names a registered spec class, its other keys
    must be exactly that class's fields, holding plain JSON values (numbers, strings, None, lists, dicts with string
    keys: ``Scaled``'s constants may be ``{"w": 64.0}`` or its pairs) or nested spec dicts where the class takes
    specs (None where it takes an optional one), and the spec checks its values as its constructor does.

    Args:
        data: a dict ``{"type": name, field: value, ...}`` as ``to_dict`` writes it (``json.load`` of a saved spec).

    Returns:
        The spec, equal to the one that was saved.

    Raises:
        ValueError: anything that is not such a dict: an unknown ``type``, a field the class does not take, a value
            that is not plain JSON or that the spec refuses, nesting deeper than 32 levels; the message gives the
            path of the offending field (``spec.components[1].std``).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.from_dict({"type": "Normal", "mean": 0.0, "std": 0.02})
        Normal(mean=0.0, std=0.02)
        >>> ui.from_dict({"type": "Normal", "sdt": 0.02})
        Traceback (most recent call last):
        ValueError: cannot load spec: spec.sdt: Normal has no parameter 'sdt'; it takes mean, std
    """
    if _depth > MAX_DEPTH:
        raise _fail(_path, f"nested deeper than {MAX_DEPTH} levels")
    given: dict[Any, Any] = data  # a loaded value: checked here
    if not isinstance(given, dict):
        raise _fail(_path, f"expected a dict with a 'type' key, got {type(data).__name__}")
    name = given.get("type")
    specs = readable()
    if "type" not in given:
        raise _fail(_path, f"a spec's dict names its spec under the key 'type' ({{\"type\": \"Normal\", \"std\": "
                           f"0.02}}); this one has none (its keys: {_brief(', '.join(map(str, given)) or 'none')})"
                           f"{'; a plan (its rules) is read by ui.Plan.from_json' if 'rules' in given else ''}")
    if not isinstance(name, str) or name not in specs:
        raise _fail(f"{_path}.type", f"unknown spec {_quoted(name)}; registered: {', '.join(sorted(specs))}")
    cls = specs[name]
    known = set(cls._fields)
    unknown = sorted(set(given) - known - {"type"}, key=str)
    if unknown:
        raise _fail(f"{_path}.{_brief(str(unknown[0]))}", _no_parameter(name, cls, unknown[0]))
    kwargs: dict[str, Any] = {}
    for key, value in given.items():
        if key == "type":
            continue
        where = f"{_path}.{key}"
        if key in cls._spec_fields:
            parts: list[Any] | dict[str, Any] | None = value
            if parts is None:  # an optional spec left out (``extra: Spec | None = None``): the class checks it
                kwargs[key] = None
            elif isinstance(parts, list):
                kwargs[key] = [from_dict(x, _path=f"{where}[{i}]", _depth=_depth + 1) for i, x in enumerate(parts)]
            else:
                kwargs[key] = from_dict(value, _path=where, _depth=_depth + 1)
        else:
            kwargs[key] = _plain_value(value, where, _depth + 1)
    if not cls.__module__.startswith("unifiedinit."):  # a spec of one's own: frozen and hashable, so tuples, not lists
        kwargs = {key: _tuples(value) for key, value in kwargs.items()}
    try:
        return cls(**kwargs)
    except RecursionError:
        raise _fail(_path, "nested too deeply for its class to check") from None
    except (TypeError, ValueError) as err:
        import re
        named = re.search(r"parameter '(\w+)'", str(err))  # the field the spec refused, where it names one
        field = named.group(1) if named and named.group(1) in kwargs else None
        raise _fail(f"{_path}.{field}" if field else _path, str(err)) from None


def _tuples(value: Any) -> Any:
    given: list[Any] | float | str | Spec | None = value
    return tuple(_tuples(x) for x in given) if isinstance(given, list) else given


def to_dict(spec: Spec) -> dict[str, Any]:
    """``spec`` as a plain JSON-safe dict (``{"type": name, field: value, ...}``); ``from_dict`` reads it back.

    Nested specs become nested dicts and tuples become lists, so ``json.dumps`` writes the result as it is (a config
    file, a checkpoint's metadata).

    Args:
        spec: any registered spec.

    Returns:
        A new dict of plain values: the class's registered name under ``"type"``, then each field.

    Raises:
        TypeError: ``spec`` is not a spec.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.to_dict(ui.Normal(0, 0.02))
        {'type': 'Normal', 'mean': 0.0, 'std': 0.02}
        >>> ui.to_dict(ui.Blocks([ui.Zeros(), ui.Ones()]))
        {'type': 'Blocks', 'parts': [{'type': 'Zeros'}, {'type': 'Ones'}], 'along': 'out'}
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    return spec.to_dict()


#: integers longer than this are refused (a config holds nothing like them; Python's own limit is 4300 digits)
MAX_INT_DIGITS = 100


class _Refused(Exception):
    """Raised inside the JSON parser's hooks, with the token to locate ("" for a key twice) and what is wrong."""

    def __init__(self, token: str, message: str) -> None:
        super().__init__(message)
        self.token, self.message = token, message


def _where(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line} column {column} (char {index})"


def _locate(text: str, token: str) -> int:
    """The offset of the first occurrence of ``token`` (a number or a constant) not inside a longer one nor inside a
    string (a name "NaN"): the parser reads the text in order, so the first it refuses is the first in the text."""
    import re
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|(?<![\w.])' + re.escape(token) + r"(?![\w.])", text):
        if not m.group().startswith('"'):
            return m.start()
    return 0


def _first_duplicate_key(text: str) -> tuple[int, str]:
    """The offset and the name of the first key, in text order, that its object already holds (``text`` is valid
    JSON with such a key; keys compare as JSON decodes them, so ``"a"`` and ``"\\u0061"`` are one key)."""
    import json
    objects: list[set[str] | None] = []  # per open bracket: an object's keys so far, or None for an array
    i = 0
    while i < len(text):
        if text[i] == '"':
            end = i + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            after = end + 1
            while after < len(text) and text[after] in " \t\r\n":
                after += 1
            keys = objects[-1] if objects else None
            if keys is not None and after < len(text) and text[after] == ":":
                key = json.loads(text[i:end + 1])
                if key in keys:
                    return i, key
                keys.add(key)
            i = end + 1
            continue
        if text[i] in "{[":
            objects.append(set() if text[i] == "{" else None)
        elif text[i] in "}]":
            objects.pop()
        i += 1
    return 0, ""


def load_json(text: str | bytes, what: str = "spec") -> Any:
    """Parse untrusted JSON text: a length limit; the text must be UTF-8 (bytes may open with a byte order mark, as
    ``json.loads`` reads them); no NaN/Infinity, no number that
    overflows to infinity, no integer of more than MAX_INT_DIGITS digits, no key twice in one object; nesting
    deeper than Python can follow is a ValueError (not a RecursionError). Each refusal names its position."""
    import json
    if not isinstance(text, (str, bytes, bytearray)):
        raise TypeError(f"parameter 'text' must be a JSON string, got {type(text).__name__}")
    if len(text) > MAX_JSON_CHARS:
        raise _fail(what, f"the JSON text is longer than {MAX_JSON_CHARS} characters", what)
    if isinstance(text, (bytes, bytearray)):
        raw = bytes(text)
        bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0  # a UTF-8 byte order mark (Windows editors write one)
        try:
            text = raw[bom:].decode("utf-8")
        except UnicodeDecodeError as err:
            at = err.start + bom  # counted in the bytes as given
            raise _fail(what, f"the text is not UTF-8: byte {at} is {raw[at:at + 1]!r}", what) from None
    def no_constants(word: str) -> Any:
        raise _Refused(word, f"{word} is not a finite number")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:  # located afterwards: an inner object's pairs come here before its outer one's
                raise _Refused("", "a key appears twice in one object")
            out[key] = value
        return out

    def integer(token: str) -> int:
        if len(token.lstrip("-")) > MAX_INT_DIGITS:
            raise _Refused(token, f"an integer of {len(token.lstrip('-'))} digits (at most {MAX_INT_DIGITS})")
        return int(token)

    def real(token: str) -> float:
        value = float(token)
        if value in (float("inf"), float("-inf")):
            raise _Refused(token, f"{_brief(token)} is not a finite number (it overflows to infinity)")
        return value

    try:
        return json.loads(text, parse_constant=no_constants, object_pairs_hook=pairs, parse_int=integer,
                          parse_float=real)
    except _Refused as err:
        if not err.token:  # a key twice: the first such key in the text
            index, key = _first_duplicate_key(text)
            raise _fail(what, f"{_where(text, index)}: the key {_quoted(key)} appears twice in one object",
                        what) from None
        raise _fail(what, f"{_where(text, _locate(text, err.token))}: {err.message}", what) from None
    except RecursionError:
        raise _fail(what, f"nested deeper than {MAX_DEPTH} levels", what) from None
    except json.JSONDecodeError as err:
        raise _fail(what, f"not valid JSON ({err})", what) from None


def from_json(text: str | bytes) -> Spec:
    """The spec a ``spec.to_json()`` string describes (see ``from_dict``).

    The text is parsed as untrusted JSON: at most 64,000,000 characters of UTF-8, no NaN or Infinity, no number that
    overflows, no integer of more than 100 digits, no key twice in one object.

    Args:
        text: the JSON text, a ``str`` or UTF-8 ``bytes`` (with or without a byte order mark).

    Returns:
        The spec it describes.

    Raises:
        TypeError: ``text`` is not a string or bytes.
        ValueError: text that is not such JSON (the message gives the line and column), or a dict that
            ``from_dict`` refuses.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.from_json('{"type": "XavierUniform", "gain": 2.0}')
        XavierUniform(gain=2.0)
        >>> spec = ui.Mixture([ui.Zeros(), ui.Normal()], [0.5, 0.5])
        >>> ui.from_json(spec.to_json()) == spec
        True
    """
    return from_dict(load_json(text))


#: the longest expression ``from_expression`` reads
MAX_EXPRESSION_CHARS = 100_000


def from_expression(text: str) -> Spec:
    """The spec an expression in the catalog's own syntax describes: ``'Normal(std=0.02)'``,
    ``'Mixture([Uniform(5, 10), Zeros()], [0.5, 0.5])'``, a bare ``'XavierUniform'``; the ``repr`` of every spec
    reads back. The text is parsed into a syntax tree and walked: registered spec names, called with numbers,
    strings, True/False/None, lists, tuples and dicts of those and nested specs. Nothing is evaluated, imported or
    looked up outside the registry; anything else is a ValueError naming it and its column.

    Args:
        text: the expression, a string of at most 100,000 characters.

    Returns:
        The spec it describes.

    Raises:
        TypeError: ``text`` is not a string.
        ValueError: text that is not an expression, that uses anything else than the above (an unknown name, a
            call of a function, ``*args``), that describes a value rather than a spec, or whose spec refuses its
            arguments; the message names the column.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.from_expression("Mixture([Uniform(5, 10), Zeros()], [0.5, 0.5])")
        Mixture(components=(Uniform(low=5.0, high=10.0), Zeros()), weights=(0.5, 0.5))
        >>> ui.from_expression("XavierUniform")
        XavierUniform(gain=1.0)
    """
    import ast
    if not isinstance(text, str):
        raise TypeError(f"parameter 'text' must be a string, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"cannot parse spec: the expression is longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        import sys
        why = err.msg
        if "integer string conversion" in why:  # Python's advice to raise its limit is not for a spec's reader
            why = f"an integer of more than {sys.get_int_max_str_digits()} digits"
        raise ValueError(f"cannot parse spec {_quoted(text)}: not an expression ({why}, column {err.offset})"
                         ) from None
    except (RecursionError, MemoryError):
        raise ValueError(f"cannot parse spec: nested deeper than {MAX_DEPTH} levels") from None
    spec = _node(tree.body, 0)
    if not isinstance(spec, Spec):
        raise ValueError(f"cannot parse spec {_quoted(text)}: it describes {type(spec).__name__} {_quoted(spec)}, "
                         f"not a spec; write a spec name like Normal(std=0.02)")
    return spec


def _node(node: Any, depth: int) -> Any:
    import ast
    where = f"column {getattr(node, 'col_offset', 0) + 1}"
    if depth > MAX_DEPTH:
        raise ValueError(f"cannot parse spec: nested deeper than {MAX_DEPTH} levels")
    specs = readable()
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, (bool, int, float, str))):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
        number: float = node.operand.value  # type: ignore[assignment]  # an int or a float, checked above
        return -number if isinstance(node.op, ast.USub) else number
    if isinstance(node, (ast.List, ast.Tuple)):
        # depth as from_dict counts it: a list of specs is no level of its own (each spec one more than the spec
        # that holds it), a list of values one level more per list
        return [_node(x, depth if _names_spec(x, specs) else depth + 1) for x in node.elts]
    if isinstance(node, ast.Dict):
        keys = [_node(k, depth + 1) if k is not None else None for k in node.keys]
        if not all(isinstance(k, str) for k in keys):
            raise ValueError(f"cannot parse spec: at {where}: a dict's keys must be strings")
        twice = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
        if twice is not None:  # Python keeps the last; JSON text with a key twice is refused, and so is this
            raise ValueError(f"cannot parse spec: at {where}: the key {_quoted(twice)} appears twice in one dict")
        return dict(zip(keys, (_node(value, depth + 1) for value in node.values)))
    if isinstance(node, ast.Call) and any(k.arg is None for k in node.keywords):
        raise ValueError(f"cannot parse spec: at {where}: no *args or **kwargs")
    if isinstance(node, ast.Name) and node.id in specs:
        return _build(node.id, [], {}, where)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in specs:
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ValueError(f"cannot parse spec: at {where}: no *args or **kwargs")
        names = [str(k.arg) for k in node.keywords]
        twice = next((k for i, k in enumerate(names) if k in names[:i]), None)
        if twice is not None:  # ast.parse takes it; Python's compiler refuses it
            raise ValueError(f"cannot parse spec: at {where}: keyword argument {_quoted(twice)} repeated")
        args = [_node(a, depth + 1) for a in node.args]
        kwargs = {str(k.arg): _node(k.value, depth + 1) for k in node.keywords}
        return _build(node.func.id, args, kwargs, where)
    name = getattr(node, "id", None) or getattr(getattr(node, "func", None), "id", None)
    if name is not None:
        raise ValueError(f"cannot parse spec: at {where}: unknown spec {_quoted(name)}; registered: "
                         f"{', '.join(sorted(specs))}")
    literal = _literal(node)
    raise ValueError(f"cannot parse spec: at {where}: {literal or type(node).__name__} is not allowed (real "
                     "numbers, strings, True/False/None, lists, dicts and registered spec names only)")


def _names_spec(node: Any, specs: dict[str, Any]) -> bool:
    """Whether ``node`` is a registered spec's name or a call of one (``Zeros``, ``Normal(std=0.02)``)."""
    import ast
    called = node.func if isinstance(node, ast.Call) else node
    return isinstance(called, ast.Name) and called.id in specs


#: the literals an expression may not hold, in words
_LITERAL_KINDS: dict[type, str] = {complex: "a complex number", bytes: "a bytes literal",
                                   type(...): "an Ellipsis", bool: "a bool", str: "a string", type(None): "None"}


def _literal(node: Any) -> str | None:
    """A refused literal in words, with its text (``1j (a complex number)``, ``-1j``, ``b'x' (a bytes literal)``,
    ``-'a' (a sign on a string)``), or None for a node that is no literal (a call, an operator)."""
    import ast
    signed = isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
    constant: Any = node.operand if signed else node
    if not isinstance(constant, ast.Constant):
        return None
    value: object = constant.value
    kind = _LITERAL_KINDS.get(type(value), f"a {type(value).__name__} literal")
    if signed and not isinstance(value, complex):  # -1j is a complex number; -'a' is no literal at all
        kind = f"a sign on {kind}; only a real number takes one"
    return f"{_brief(ast.unparse(node))} ({kind})"


def _build(name: str, args: list[Any], kwargs: dict[str, Any], where: str) -> Spec:
    """The spec registered as ``name`` of these arguments; a keyword it does not take is refused by name, as
    ``from_dict`` refuses a key (Python's own message would echo the keyword whole)."""
    cls = readable()[name]
    unknown = next((k for k in kwargs if k not in cls._fields), None)
    if unknown is not None:
        raise ValueError(f"cannot parse spec: at {where}: {_no_parameter(name, cls, unknown)}")
    if not cls.__module__.startswith("unifiedinit."):  # a spec of one's own: tuples, not lists, as from_dict gives
        args, kwargs = [_tuples(x) for x in args], {key: _tuples(value) for key, value in kwargs.items()}
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as err:
        raise ValueError(f"cannot parse spec: at {where}: {err}") from None
