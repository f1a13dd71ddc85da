"""The one apply loop, the same for every framework and for portable mode.

::

    walk   the backend describes the model: (Param, handle) records, tied tensors merged (``params.tie``)
    match  the last matching rule of the plan decides each parameter; unmatched ones are listed, never guessed
    lower  each spec once, for one layer of the tensor (stacked axes apart), with its layer's fans
    check  dtype and representability of every value, for every parameter, before anything is written
    draw   native: the framework's RNG on a stream derived from (seed, canonical key); portable: the exact
           reference values of that key (the same numbers in every framework)
    write  the backend puts each value in place (or into a new tree), one parameter at a time, in the model's
           order; portable values are computed several at a time on worker threads (``Ahead``; torch's target
           draws them straight into its tensors the same way), all done before the call returns or raises

Python's cyclic garbage collector is held off from the walk to the last write (``gc_paused``): the records are
many small objects alive until the call ends, and collecting among them found nothing but cost time.

A backend offers ``walk(model, **options)`` and ``target(model, **options)``, whose object writes one
parameter (``native(param, handle, draw, stream)`` / ``host(param, handle, array)`` / ``deferred(...)`` for a
shape the framework does not know yet) and gives the call's result (``result(report)``). A target that holds
sharded tensors also offers ``blocks(param, handle, draw, values)``: ``values(index)`` gives the portable values of
one block (a slice per axis), so each shard computes exactly its own part, and ``values(index, out)`` draws them
straight into ``out`` (a NumPy view of the shard's own memory).

Seeding, once for all frameworks: with an int ``seed``, parameter ``p`` draws from the stream
``stream(seed, p.key)`` (64 bits of BLAKE2b of the two), so its values depend on the seed and its canonical
key only. Without a seed, the framework's own global RNG draws in the model's order (torch's default
generator, MXNet's global seed, Keras's Python seed; JAX has none and needs one).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import math
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any, Callable, TypeGuard, cast

from . import _validate as v


def _is_iterable(x: Any) -> TypeGuard[Iterable[Any]]:
    return isinstance(x, Iterable)


def stream(seed: int, key: str) -> int:
    """The 64-bit stream id of the parameter with canonical ``key`` under ``seed``."""
    digest = hashlib.blake2b(f"unifiedinit/stream/{seed}/{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def streams(seed: int) -> Callable[[str], int]:
    """``stream(seed, key)`` for the many keys of one plan: the seed's part of the hash is computed once (a hash
    of a text fed in two parts is the hash of the whole text)."""
    head = hashlib.blake2b(f"unifiedinit/stream/{seed}/".encode(), digest_size=8)

    def of(key: str) -> int:
        h = head.copy()
        h.update(key.encode())
        return int.from_bytes(h.digest(), "little")
    return of


def leaf_root(tree: Any, depth: int = 0) -> str | None:
    """The top-level package of the first leaf of a dict tree that a library made ("jaxlib" or "jax" for a linen
    tree, "numpy", "flax" for a boxed leaf), or None for a tree with none. Python's own values (None, which JAX
    reads as an empty subtree, numbers, lists, other objects) say nothing about the framework and are passed
    over: the backend that owns the tree then names any leaf it cannot use."""
    if v.is_mapping(tree):
        if depth >= 64:
            return None
        for value in tree.values():
            found = leaf_root(value, depth + 1)
            if found is not None:
                return found
        return None
    root = type(tree).__module__.split(".")[0]
    return None if root == "builtins" else root


def backend_of(model: Any) -> ModuleType:
    """The backend that handles ``model`` (see ``unifiedinit.backends.backend_for``)."""
    from .backends import backend_for
    return backend_for(model)


def framework_of(model: Any) -> str:
    """The name of the framework ``model`` belongs to."""
    return backend_of(model).NAME


def records(model: Any, **options: Any) -> tuple[ModuleType, list[tuple[Any, Any]]]:
    """The backend of ``model`` and its walk, tied tensors merged."""
    backend = backend_of(model)
    return backend, backend.walk(model, **options)


def positions(backend: ModuleType, model: Any, found: Sequence[tuple[Any, Any]], options: Mapping[str, Any]
              ) -> tuple[tuple[Any, ...], ...]:
    """The module paths of layers holding tensors no record describes, positions in their sequences all the same
    (``assign_keys``'s ``held``): the backend's ``positions`` (torch: lazy layers, layers of buffers only); none
    where every tensor is a record (Keras, Flax, MXNet, Equinox)."""
    found_by = getattr(backend, "positions", None)
    return () if found_by is None else tuple(found_by(model, found, options.get("module")))


def portable_stream(value: Any) -> str | None:
    """``plan.apply``'s ``portable=``: False (None: native draws), True (the default stream, "chunks"), or a stream
    name of ``unifiedinit.counter.STREAMS``."""
    from .counter import STREAMS
    if isinstance(value, bool):
        return "chunks" if value else None
    if isinstance(value, str) and value in STREAMS:
        return value
    error = ValueError if isinstance(value, str) else TypeError
    raise error(f"Plan.apply: parameter 'portable' must be True, False, or a portable stream "
                f"({', '.join(map(repr, STREAMS))}), got {value!r}")


def not_traced(owner: str) -> None:
    """Refuse to run under ``torch.compile``'s tracing (TorchDynamo): the loop imports backends, hashes keys and
    draws on the host, which no graph holds, so ``fullgraph=True`` would fail deep inside. Raised while tracing,
    the error ends a ``fullgraph=True`` compilation with this message; without ``fullgraph`` Dynamo breaks the
    graph there and runs the call eagerly, where the check passes. Torch is not imported for the check."""
    torch: Any = sys.modules.get("torch")
    compiler: Any = getattr(torch, "compiler", None)
    if compiler is not None and compiler.is_compiling():
        raise RuntimeError(f"{owner} cannot run inside a function torch.compile traces (fullgraph=True): "
                           "initialization writes each tensor once, on the host; call it outside the compiled "
                           "function, or compile the module hooks a spec makes (spec.to_torch()) instead")


def apply(plan: Any, model: Any, *, seed: Any = None, portable: Any = False, stacklevel: int = 2,
          **options: Any) -> Any:
    """``plan.apply``: see the module docstring for the loop."""
    not_traced("Plan.apply")
    stream = portable_stream(portable)
    seed = v.seed("Plan.apply", seed, required=stream is not None)
    names = skip_names(options.pop("skip", None))
    backend = backend_of(model)
    check_options(backend, options)
    with gc_paused():
        target = backend.target(model, seed=seed, **options)
        params = [p for p, _ in target.found]
        skip, other = model_skip(backend, model, options, names, target.found)
        report = plan._resolve(params, stacklevel=stacklevel + 2, skip=skip, fresh=True,
                               held=positions(backend, model, target.found, options))
        if plan._recipe is not None:  # a Hugging Face recipe: does the model's own configs change it?
            from .recipes import config_unread
            config_unread(plan, model, params, report, skip, stacklevel + 2)
        if stream is not None:
            check_portable_dtypes(report)
            check_portable_layouts(plan, report)
        prepare = getattr(target, "prepare", None)
        if prepare is not None:  # e.g. materializing meta parameters, once every check has passed
            prepare(report, skip | other)
        handles = {p.path: h for p, h in target.found}
        writing = getattr(target, "writing", None)  # e.g. torch's no_grad, entered once for every write
        with writing() if writing is not None else contextlib.nullcontext():
            _write(plan, report, target, handles, seed, stream)
        return target.result(report)


def _keywords(f: Any) -> list[str]:
    import inspect
    return [n for n, q in inspect.signature(f).parameters.items() if q.kind is inspect.Parameter.KEYWORD_ONLY]


def check_options(backend: ModuleType, options: dict[str, Any], owner: str = "Plan.apply",
                  own: tuple[str, ...] = ("seed", "portable", "skip"), reading: bool = False) -> None:
    """``plan.apply``'s framework options (``device=``, ``mesh=``, ``params=``, ...) are the keywords of the
    backend's target (with ``reading``, those of them its walk takes too: the options that say how to read a
    model, ``params=``, ``inputs=``, ``module=``): one that is not is named with ``owner``'s ``own`` and the
    framework's, before anything is walked. ``own``'s keywords are the caller's to check, so they may be in
    ``options``."""
    if not options:
        return
    import sys
    made = getattr(sys.modules.get(backend.target.__module__), "_Target", None)
    if made is None:
        return
    takes = [n for n in _keywords(made.__init__) if n != "seed"]
    if reading:
        takes = [n for n in _keywords(backend.walk) if n in takes]
    wrong = [n for n in options if n not in takes and n not in own]
    if wrong:
        article = "an" if backend.NAME[0] in "aeiou" else "a"
        raise TypeError(f"{owner}: parameter {wrong[0]!r} is not an option for {article} {backend.NAME} model; its "
                        f"options are {', '.join(f'{n}=' for n in own + tuple(takes))}")


def reading_options(backend: ModuleType, options: dict[str, Any]) -> dict[str, Any]:
    """Of ``plan.apply``'s framework options, those the backend's walk takes (how to read the model)."""
    walks = _keywords(backend.walk)
    return {k: x for k, x in options.items() if k in walks}


def check_portable_dtypes(report: Any) -> None:
    """Before anything is prepared or written: portable values exist in float16, bfloat16, float32 and float64 (and
    a determined value, such as a constant, in an integer dtype too); any other dtype that a drawing rule reaches
    (complex, float8) is refused here, naming the parameter, instead of when the loop reaches it."""
    from .reference import numpy_dtype
    for e in report.entries:
        if e.spec is None or e.draw is None:
            continue
        try:
            numpy_dtype(e.param.dtype, integers=e.draw.deterministic)
        except ValueError as error:
            raise ValueError(f"Plan.apply(portable=...): parameter {e.param.path!r} is {e.param.dtype}, and "
                             f"{e.spec!r} has no portable values in it: {error}") from None


def check_portable_layouts(plan: Any, report: Any) -> None:
    """Before anything is prepared or written: portable values are drawn in torch's counterpart of a tensor's layout
    and moved back (``reference.drawn_in``; as stored for a spec that follows the storage order), so every drawing
    entry's spec is lowered in the layout and shape it will be drawn in, as ``Plan.resolve`` lowered it in the
    stored one. A spec that lowers in one and not in the other is refused here, naming the rule and the parameter,
    instead of when the loop reaches it, after other parameters were written. Each (rule, tensor) is lowered once,
    as in ``resolve``."""
    from .layout import TensorInfo, drawn_shape, get_layout
    from .plan import _refused  # pyright: ignore[reportPrivateUsage]
    from .reference import drawn_in
    done: set[tuple[Any, ...]] = set()
    for e in report.entries:
        if e.spec is None or e.draw is None:
            continue
        rule, p = plan.rules[e.rule], e.param
        layout = rule.layout or p.layout
        shape = p.slice_shape
        where, perm, _ = drawn_in(get_layout(layout), len(shape), e.spec)
        if perm is None:  # drawn as stored: resolve lowered it so
            continue
        depth = rule.reads_depth
        what = (e.rule, p.role, shape, layout, p.layer_fans, p.dtype, p.padding_idx,
                (p.sequences, p.layers if rule.per_layer(p) else ()) if depth else ())
        if what in done:
            continue
        drawn = tuple(shape[k] for k in perm)
        try:
            drawn = drawn_shape(get_layout(layout), where, shape, perm)
            for layer in range(math.prod(p.layers)) if depth and rule.per_layer(p) else (None,):
                info = rule.info(p, layer)
                lowered = e.spec.lower(TensorInfo.make(drawn, where, info.layer_fans, info.padding_idx, info.depth))
                v.representable(lowered, p.dtype)
        except (TypeError, ValueError) as err:
            said = type(err)(f"portable values are drawn in layout {where.name!r}, shape {drawn}, and moved to "
                             f"{layout!r}; there: {err}")
            raise _refused(said, rule, e.rule, p) from None
        done.add(what)


class gc_paused:  # noqa: N801 - used as a function: ``with gc_paused():``
    """Python's cyclic garbage collector held off while a call builds its records. A walk and a report make a few
    objects per parameter, all alive until the call ends and none in a cycle worth collecting; with the collector
    on, every 700 of them start a pass over the young objects, and those passes promote the records until a full
    pass walks every object of the process (a model's modules and tensors included). On 500 x Linear(64, 64)
    that was a fifth of a seeded plan's time. Refcounting still frees everything at once; the collector is
    turned back on (only if it was on) when the call returns or raises.

    A class, not a generator: turning the collector back on is the last thing the call does, with no object made
    after it (a generator's exit makes a StopIteration), so the young pass the records' count has earned starts
    at the caller's next allocation, after a report the caller dropped is freed, not while every record is
    still alive (1.2 ms a call on 500 x Linear(64, 64), for a pass that found nothing to free)."""

    __slots__ = ("paused",)

    def __enter__(self) -> None:
        self.paused = gc.isenabled()  # else the caller's choice, or an outer call's pause: left as it is
        if self.paused:
            gc.disable()

    def __exit__(self, kind: object, error: object, trace: object) -> None:  # no tuple of arguments made
        if self.paused:
            gc.enable()


def _write(plan: Any, report: Any, target: Any, handles: dict[str, Any], seed: int | None,
           stream: str | None) -> None:
    """Every matched parameter's values, through the target (native draws, portable values, deferred ones)."""
    native = target.native
    stream_of = None if seed is None else streams(seed)
    portable = stream is not None
    blocks = getattr(target, "blocks", None) if portable else None
    whole = getattr(target, "whole", None)  # the sharded target's say on which tensors it takes whole
    # the counter stream, computed by the framework where the tensor lives (torch, JAX), one unstacked tensor at a
    # time; a stacked one (its layers keyed apart) goes the host's way, with the same values
    on_device = getattr(target, "counter", None) if stream == "counter" else None
    ahead = None
    if portable:
        ahead = Ahead(lambda e: plan.portable_values(e, seed, stream=stream), [
            e for e in report.entries if e.spec is not None and e.draw is not None and
            not (on_device is not None and not e.param.stacked) and
            (blocks is None or (whole is not None and whole(e.param, handles[e.param.path])))])
    try:
        for e in report.entries:
            if e.spec is None:
                continue
            p = e.param
            handle = handles[p.path]
            if not portable and e.draw is not None:  # the common case first
                native(p, handle, e.draw, None if stream_of is None else stream_of(p.key))
            elif e.draw is None:  # the framework does not know the shape yet (MXNet's deferred initialization)
                values: Callable[[Any], Any] | None = (
                    (lambda q, e=e: plan.portable_values(dataclasses.replace(e, param=q), seed, stream=stream))
                    if portable else None)
                target.deferred(p, handle, plan.rules[e.rule], None if stream_of is None else stream_of(p.key), values)
            elif on_device is not None and not p.stacked:
                assert seed is not None
                on_device(p, handle, e.draw, CounterJob(plan, e, seed))
            elif blocks is not None:  # a target that writes sharded tensors block by block
                def block(index: Any, out: Any = None, e: Any = e) -> Any:
                    if index is None and out is None and ahead is not None:
                        return ahead.take(e)
                    return plan.portable_values(e, seed, index, out, stream=stream)
                blocks(p, handle, e.draw, block)
            else:
                assert ahead is not None
                target.host(p, handle, ahead.take(e))
    finally:
        if ahead is not None:
            ahead.close()


class CounterJob:
    """One parameter's counter-stream values, for a target that computes them itself (``target.counter(param,
    handle, draw, job)``). ``job.key`` is its Threefry key (two ints); ``job.signature`` is everything else its
    values depend on (spec, layout, shape, dtype name, layer fans, padding index, depth: hashable, so a jitted
    function may be kept per signature; depth is None for a spec that does not read it, so the repeated blocks of
    a model share their signatures); ``job.values(index, base, arith, dtype, key)`` computes them, or a block of
    them (``index``, a (start, stop) per axis), with ``unifiedinit.counter.signature_values``."""

    def __init__(self, plan: Any, entry: Any, seed: int) -> None:
        from .counter import counter_key
        p, rule = entry.param, plan.rules[entry.rule]
        info = rule.info(p)
        fans = None if info.layer_fans is None else tuple(info.layer_fans)
        self.key = counter_key(seed, p.key)
        self.signature = (rule.spec, rule.layout or p.layout, tuple(p.shape), p.dtype, fans, info.padding_idx,
                          rule.depth_of(p, 0) if rule.spec.uses_depth else None)

    def values(self, index: Any, base: Any, arith: Any, dtype: Any, key: Any = None) -> Any:
        from .counter import signature_values
        return signature_values(self.signature, index, base, arith, dtype, self.key if key is None else key)


class Ahead:
    """Portable values computed ahead of the loop that writes them: the entries' values are drawn in worker threads
    (NumPy's generators run without the GIL, so tensors are drawn side by side), and ``take(e)`` hands each over
    on the caller's thread, which alone writes framework state. Nothing changes but the time: every value is a
    function of the seed and the key alone, and the writes keep the model's order.

    ``compute(e)`` gives an entry's values; ``entries`` are those the loop will ``take``, in that order. Tensors
    of fewer than ``SMALL`` entries are computed by ``take`` itself (a thread's hand-over costs more than they
    do). At most ``depth`` values (one more than the workers) and about ``BUDGET`` bytes are in flight at a time,
    and always at least one. An error of ``compute`` comes out of ``take`` for that entry, where the loop would
    have met it. ``close()`` cancels what has not started and waits for the rest: no worker outlives the call."""

    SMALL = 1 << 14
    BUDGET = 1 << 27

    def __init__(self, compute: Callable[[Any], Any], entries: Iterable[Any], workers: int | None = None) -> None:
        from collections import deque

        from .reference import cores
        self.compute = compute
        self.queue = deque(e for e in entries if math.prod(e.param.shape) >= self.SMALL)
        workers = min(cores(), 8) if workers is None else workers
        self.depth = workers + 1
        self.pending: dict[int, tuple[Any, int]] = {}  # id(entry) -> (future, bytes)
        self.bytes = 0
        self.pool: Any = None
        if workers > 1 and len(self.queue) > 1:
            from concurrent.futures import ThreadPoolExecutor
            self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unifiedinit-portable")
            self._fill()

    def _fill(self) -> None:
        while self.queue and (not self.pending or (len(self.pending) < self.depth and self.bytes < self.BUDGET)):
            e = self.queue.popleft()
            size = math.prod(e.param.shape) * 8  # float64 while drawn
            self.pending[id(e)] = (self.pool.submit(self.compute, e), size)
            self.bytes += size

    def take(self, e: Any) -> Any:
        """The values of ``e``: waited for when computed ahead, else computed here."""
        found = self.pending.pop(id(e), None)
        if found is None:
            return self.compute(e)
        future, size = found
        self.bytes -= size
        self._fill()  # the next ones start before this one is waited for
        return future.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.pending.clear()
        self.queue.clear()


def skip_names(skip: Any, owner: str = "Plan.apply") -> tuple[str, ...]:
    """``plan.apply(..., skip=...)``'s names, as given, each once, in their order: the keys of a state_dict or of any
    mapping, a nested mapping (a Flax variables dict, an ``nnx.State``) read as its leaves' "/"-joined paths
    ("params/Dense_0/kernel"; an empty one names nothing; a torch extra state is one leaf), or the items of an
    iterable of names. A key or item may be a tuple of parts (``flatten_dict``'s keys), joined with "/"; a
    mapping's key may be an int (an NNX list's index). ``skip_matched`` says which tensors of a model the names
    mean.

    Raises:
        TypeError: ``skip`` is a single string, no mapping or iterable, or holds something that is no name."""
    if skip is None:
        return ()
    if v.is_mapping(skip):
        return tuple(dict.fromkeys(_leaf_names(skip, owner)))
    if isinstance(skip, (str, bytes)) or not _is_iterable(skip):
        raise TypeError(f"{owner}: parameter 'skip' must be a state_dict, a mapping or an iterable of names, "
                        f"got {type(skip).__name__}")
    return tuple(dict.fromkeys(_skip_name(x, owner) for x in skip))


def _skip_name(x: Any, owner: str, key: bool = False) -> str:
    """One name of ``skip``: a string, a tuple of parts (strings or ints) joined with "/", or (a mapping's
    ``key``) an int."""
    def part(k: Any) -> bool:
        return isinstance(k, str) or (isinstance(k, int) and not isinstance(k, bool))
    if isinstance(x, str):
        return x
    if key and part(x):
        return str(x)
    if isinstance(x, tuple) and x and all(part(k) for k in cast("tuple[Any, ...]", x)):
        return "/".join(map(str, cast("tuple[Any, ...]", x)))
    raise TypeError(f"{owner}: parameter 'skip' holds names (strings), got {x!r:.200}")


def _leaf_names(tree: Mapping[Any, Any], owner: str) -> Iterator[str]:
    """The "/"-joined paths of a (nested) mapping's leaves: a value that is a mapping is a level, not a leaf, but
    for a torch module's extra state (a state_dict's "..._extra_state", whatever its value)."""
    for k, x in tree.items():
        name = _skip_name(k, owner, key=True)
        if v.is_mapping(x) and not name.endswith("_extra_state"):
            yield from (f"{name}/{sub}" for sub in _leaf_names(x, owner))
        else:
            yield name


def _skip_forms(name: str) -> list[str]:
    """What ``name`` may mean, in the order tried: itself, then its dots read as "/" (torch's "h.0.attn.weight")."""
    return [name] + ([name.replace(".", "/")] if "." in name else [])


def skip_matched(names: Sequence[str], params: Sequence[Any],
                 held: Callable[[], Mapping[str, str | None]] | None = None, owner: str = "Plan.apply"
                 ) -> tuple[frozenset[str], frozenset[str]]:
    """The tensors ``skip_names`` name: (the paths of the parameters among ``params``, the other tensors' names).

    Each name is tried as given, then with its dots read as "/" (torch's names): the first form that names a
    parameter (its path, else one of its aliases, else one of its ``names``) decides; failing that, the first form
    that ``held()`` knows (asked only if some name names no parameter: the backend's ``held``, the names the
    framework gives the model's tensors besides their paths, each to the parameter it means or to None for a
    tensor no plan writes, such as a torch buffer). So a path that holds a dot ("head.v2/kernel", a Keras layer's
    name) is meant as it is, even where its dotted reading names another parameter ("head/v2/kernel").

    Raises:
        ValueError: a name that names no parameter and no other tensor of the model (a typo, a path with the
            model's name in front), listing the first few and an existing path."""
    if not names:
        return frozenset(), frozenset()
    index: dict[str, str] = {}  # every name of a parameter -> its path: its own path first, then its aliases
    for p in params:
        for n in p.names:
            index[n] = p.path
    for p in params:
        for a in p.aliases:
            index[a] = p.path
    for p in params:
        index[p.path] = p.path
    found: set[str] = set()
    other: set[str] = set()
    known: Mapping[str, str | None] | None = None
    missing: list[str] = []
    for name in names:
        forms = _skip_forms(name)
        hit = next((index[f] for f in forms if f in index), None)
        if hit is not None:
            found.add(hit)
            continue
        if known is None:
            known = held() if held is not None else {}
        form = next((f for f in forms if f in known), None)
        if form is None:
            missing.append(name)
        elif known[form] is None:
            other.add(form)
        else:
            found.add(cast(str, known[form]))
    if missing:
        import difflib
        forms = _skip_forms(missing[0])
        # A name that ends a path ("dense/kernel" of "sequential/dense/kernel") means that path; spelling alone
        # would point at another layer's tensor ("1/kernel" is as near as "0/kernel", and sorts last).
        ends = [n for n in index if any(n.endswith("/" + f) for f in forms)]
        near = [min(ends, key=len)] if ends else difflib.get_close_matches(forms[-1], list(index), n=1)
        example = f"did you mean {near[0]!r}?" if near else \
            f"one of its paths: {params[0].path!r}" if params else "the model has no parameters"
        shown = ", ".join(map(repr, missing[:4])) + (f" ... ({len(missing)} in all)" if len(missing) > 4 else "")
        what = "parameter" if held is None else "parameter or other tensor of the model"
        raise ValueError(f"{owner}: parameter 'skip' holds {len(missing)} name(s) that name no {what}: {shown} "
                         f"({example}); allowed: a parameter's path as the report lists it, one of its aliases, or "
                         f"the same with '.' for '/' (torch's names)"
                         f"{'' if held is None else _OTHER_NAMES}; nothing was written")
    return frozenset(found), frozenset(other)


#: the names besides the parameters' that ``skip=`` takes when a model is at hand (``Backend.held``)
_OTHER_NAMES = (", or a name the framework gives a tensor of the model (a torch buffer, a Flax path with its "
                "collection in front, a Keras variable, a Gluon Parameter's own name or checkpoint name)")


def model_skip(backend: ModuleType, model: Any, options: dict[str, Any], names: Sequence[str],
               found: Sequence[tuple[Any, Any]], owner: str = "Plan.apply") -> tuple[frozenset[str], frozenset[str]]:
    """``skip_matched`` for ``model`` and its walk's records ``found``, with the backend's ``held`` names."""
    if not names:
        return frozenset(), frozenset()
    return skip_matched(names, [p for p, _ in found],
                        lambda: backend.held(model, found, **reading_options(backend, options)), owner)


def inspect(model: Any, plan: Any = None, **options: Any) -> Any:
    """What ``plan.apply(model)`` would do, without writing anything.

    Args:
        model: a model of any supported framework (as ``Plan.apply`` takes it).
        plan: a ``Plan``, or None to list every parameter as unmatched.
        **options: the options of ``Plan.apply``: ``skip=`` (listed as skipped, as ``apply`` lists them), ``seed=``
            and ``portable=`` (checked as ``apply`` checks them), and the framework options (``params=`` for linen,
            ``module=`` for a state_dict; those that only say where to write, such as ``device=``, are taken and
            not used).

    Returns:
        The ``Report``: every parameter's path, layer class, kind, role, shape, layout, fans, stacked axes,
        aliases and canonical key, the rule that would set it, and the unmatched ones.

    Raises:
        TypeError: ``plan`` is not a Plan, ``model`` belongs to no supported framework, or an option ``apply``
            does not take for this framework (naming the ones it takes).
        ValueError: a rule cannot lower its spec for a parameter (naming both), as ``apply`` would.

    Warns:
        UserWarning: a torch lazy module (``nn.LazyLinear``, ...) is not built yet: its parameters are in no row,
            and no rule sets them, as ``plan.apply`` warns (``lazy_message``).

    Examples:
        ``print(report)`` shows the same as a table, ending with "(inspect: nothing was written)".

        >>> import torch
        >>> import unifiedinit as ui
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LayerNorm(8))
        >>> report = ui.inspect(model, ui.presets.torch)
        >>> [(p.path, p.role) for p in report.params]
        [('0/weight', 'weight'), ('0/bias', 'bias'), ('1/weight', 'scale'), ('1/bias', 'shift')]
        >>> report.params[2].kind, report.params[2].layer
        ('norm', 'LayerNorm')
        >>> report.entries[-1].spec, report.dry_run
        (Zeros(), True)
        >>> [p.path for p in ui.inspect(model).unmatched]  # no plan: every parameter listed, none matched
        ['0/weight', '0/bias', '1/weight', '1/bias']
    """
    report, lazy = inspected(model, plan, **options)
    if lazy:
        import warnings
        warnings.warn(lazy_message("inspect", lazy), UserWarning, stacklevel=2)
    return report


def lazy_names(paths: Sequence[str]) -> list[str]:
    """The torch names of the lazy parameters a walk gives by path (``lazy=``), a shared one once."""
    return list(dict.fromkeys(path.replace("/", ".") for path in paths))


def lazy_message(owner: str, lazy: Sequence[str]) -> str:
    """What ``owner`` says of ``lazy``, the torch names of the parameters of lazy modules not built yet: no rule
    sets them, since they have no shape until the module's first call, whose ``reset_parameters`` draws them."""
    return (f"{owner}: {len(lazy)} parameter(s) of lazy modules are not built yet, so no rule sets them: "
            f"{', '.join(lazy[:8])}{' ...' if len(lazy) > 8 else ''}; the module's own reset_parameters draws them on "
            "its first call (call the model on data first)")


def inspected(model: Any, plan: Any = None, **options: Any) -> tuple[Any, list[str]]:
    """``inspect``'s report, and the torch names of the parameters of lazy modules not built yet (in no row: no rule
    sets them), without the warning, so that ``unifiedinit inspect --strict`` can count them as unmatched. The
    arguments and errors are ``inspect``'s."""
    from .plan import Plan
    plan = Plan(name="inspect") if plan is None else plan
    if not isinstance(plan, Plan):
        raise TypeError(f"inspect: parameter 'plan' must be a unifiedinit.Plan or None, got {plan!r}")
    stream = portable_stream(options.pop("portable", False))
    v.seed("inspect", options.pop("seed", None), required=False)
    names = skip_names(options.pop("skip", None), "inspect")
    backend = backend_of(model)
    check_options(backend, options, "inspect")  # apply's options; those that only say where to write are not used
    lazy: list[str] = []  # the walk of a backend with lazy modules (torch) gives their unbuilt parameters' paths
    gives_lazy = {"lazy": lazy} if "lazy" in _keywords(backend.walk) else {}
    with gc_paused():
        found = backend.walk(model, **reading_options(backend, options), **gives_lazy)
        params = [p for p, _ in found]
        skip = model_skip(backend, model, options, names, found, "inspect")[0]
        report = plan.resolve(params, warn=False, dry_run=True, skip=skip,
                              held=positions(backend, model, found, options))
        if plan._recipe is not None:  # pyright: ignore[reportPrivateUsage]
            from .recipes import config_unread
            config_unread(plan, model, params, report, skip, 3)
        if stream is not None:
            check_portable_dtypes(report)
            check_portable_layouts(plan, report)
    return report, lazy_names(lazy)
