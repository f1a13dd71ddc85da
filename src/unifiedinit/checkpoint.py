"""Checkpoint-aware initialization: load what a checkpoint provides, initialize only the rest.

``ui.init_missing(model, checkpoint, plan, seed=...)`` checks every tensor the checkpoint shares with the model
before anything is written (same shape; an embedding may have grown: new vocabulary rows), initializes every
parameter the checkpoint lacks (a fine-tuning head, new tokens' rows) with ``plan``, then copies the checkpoint's
tensors in. New rows of a grown embedding are drawn from N(mean, var) of the existing rows, feature by feature,
so new tokens start among the old ones (as Hugging Face's ``resize_token_embeddings(mean_resizing=True)`` means
them to), drawn before anything is written: new rows the model's dtype cannot hold (inf in float16) are refused
then; with a seed they come from the stream of (seed, the embedding's canonical key), so a tied embedding
gets the same rows whichever of its names the checkpoint holds. A padding row among the new rows (torch's
``padding_idx``) is the exception: it gets no gradient, so its first value stays for all of training, and it
keeps what the plan writes there (``presets.torch``: zeros, as torch's ``Embedding`` does), the plan drawing that
embedding before its other rows are copied in. A module's extra state (``"<module>._extra_state"``, what its
``get_extra_state`` gave, any object) goes to its ``set_extra_state``, as ``load_state_dict`` gives it. The report
says what came from where: ``loaded``, ``resized`` (path -> (rows in the checkpoint, rows now)), ``unexpected``
(checkpoint names the model does not have), and the plan's entries for the rest.

A checkpoint DTensor (an FSDP2 model's state_dict, or what torch.distributed.checkpoint loads into one) is copied
shard into shard, into a DTensor of the same placements on the same ranks; any other is refused by name before
anything is written (its ``full_tensor()`` is a plain tensor, of which each rank copies its block). Without a seed,
a call refused after the new rows are drawn puts the generator they came from back as it was.

A checkpoint tensor that shares memory with one of the model's (``{"0.weight": model[1].weight}``, a layer copied
into another) gives its values at the call, whatever the plan or the other copies then write there: such a tensor,
and only such a one, is cloned before the plan draws.

torch models and state_dicts today; other frameworks: ``plan.apply(model, seed=..., skip=names)`` initializes
all but the named parameters, and the checkpoint is loaded by the framework's own means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Sequence


def init_missing(model: Any, checkpoint: Any, plan: Any, *, seed: int | None = None, **options: Any) -> Any:
    """Initialize ``model`` from ``checkpoint`` where it provides a tensor, and from ``plan`` elsewhere.

    Every tensor the checkpoint shares with the model is checked before anything is written, so a refused call
    leaves every tensor as it was. A tensor the model ties (GPT-2's ``transformer.wte.weight`` and
    ``lm_head.weight``) is written once, whichever of its names the checkpoint holds and in whatever order. A
    checkpoint tensor that shares memory with a tensor of the model (``{"0.weight": model[1].weight}``) gives its
    values at the call: it is cloned before the plan draws (only such a tensor is). The checkpoint's values are
    copied as ``load_state_dict`` copies them, rounded to the model's dtype (a float32 value past float16's range
    becomes inf, as in torch); only a grown embedding's new rows, drawn here, are checked to be finite.

    Args:
        model: a torch module (built normally or with ``empty_init()`` or under ``torch.device("meta")``; pass
            ``device=`` then), sharded (FSDP2, DTensor: each rank copies its own shard of the checkpoint's
            tensors) or not; or a state_dict (pass ``module=``, the module it came from, for its layers' kinds).
            A lazy layer not built yet (``nn.LazyLinear`` before its first call) takes the shape of the tensors
            the checkpoint gives it, as ``load_state_dict`` builds it (unbuilt again if the call is refused); one
            the checkpoint does not name is left to its first call, with ``Plan.apply``'s warning.
        checkpoint: a torch state_dict (a mapping of dotted names to tensors). A DTensor in it (an FSDP2 model's
            state_dict, or one torch.distributed.checkpoint loaded into it) must have the placements of the
            model's tensor on a mesh of the same ranks: each rank copies its own shard into the model's. A
            module's extra state (``"<module>._extra_state"``, any object) is given to that module's
            ``set_extra_state`` after the tensors are written, as ``load_state_dict`` gives it (what that method
            raises comes then); one of no module that takes it is unexpected, as is one that is not a tensor when
            the model is a state_dict.
        plan: the ``Plan`` for what the checkpoint lacks (a new head, new rows of a grown embedding are drawn
            from N(mean, var) of the old rows instead, but for a padding row among them, which keeps what the plan
            writes there: the plan draws that embedding, then its other rows are copied in).
        seed: the plan's seed, and of a grown embedding's new rows (their stream is keyed by the embedding's
            canonical key, the tie owner's for a tied one); None: drawn as the plan draws, from ``generator=``
            when given, else torch's default generator (the new rows first, in the model's order, then the plan's
            draws: the rows are drawn and checked before anything is written); a refused call puts that generator
            back as it was.
        **options: ``Plan.apply``'s options (``device=``, ``generator=``, ``module=``), and ``skip=``: names (or a
            state_dict, whose keys are taken) the plan leaves as they are besides those the checkpoint provides
            (a head set by hand), as ``Plan.apply`` takes them; a skipped name the checkpoint holds is still loaded
            from it.

    Returns:
        The plan's ``Report``, with ``loaded``, ``resized`` and ``unexpected`` filled: what came from where (a
        tied tensor under every name the checkpoint gave it; ``loaded`` names the extra states given too).
        ``skipped`` lists what the checkpoint provides (but a grown embedding with a new padding row, which the
        plan draws) and what ``skip=`` named; ``unset_buffers`` lists no buffer the checkpoint filled.

    Raises:
        ValueError: a shared tensor whose shape differs (other than an embedding that grew); two checkpoint
            tensors for one tensor the model ties that differ (shape, dtype or values); a model tensor the
            checkpoint covers that cannot be written (an inference tensor, a view whose entries share memory, a
            meta tensor without ``device=``); a name of ``skip=`` that names no parameter or buffer of the model;
            a grown embedding whose new rows the model's dtype cannot hold (any of them not finite in that dtype:
            old rows with NaN or inf, or a mean and spread that reach past its largest value, as old float16 rows
            of std 20000 do); or a plan that cannot set a missing parameter; a negative ``seed`` or one of 2**64
            or more; a ``device=`` that ``Plan.apply`` refuses (not a torch device, meta, or one this torch cannot
            allocate on, such as "cuda" on a CPU build), named as init_missing's; nothing was written.
        TypeError: ``plan`` is not a Plan, ``seed`` is not an integer or None, an option ``Plan.apply`` does not
            take (named as init_missing's); ``checkpoint`` is not a mapping of names to torch tensors (the first
            entry that is none, other than an extra state, is named), or one of them holds no values to copy (on
            meta, a lazy module's not built yet, sparse, quantized), is complex where the model's is real (or an
            embedding that grew), or has a dtype torch cannot copy into the model's (bits8, int4,
            float4_e2m1fn_x2: torch's copy_ has no kernel for it), or is a DTensor where the model's tensor is not
            one of the same placements on the same ranks (a plain tensor, another placement: pass
            ``t.full_tensor()``) or of an embedding that grew; ``skip`` is a single string or holds something that
            is not one; nothing was written.
        NotImplementedError: a model of another framework than torch.

    Examples:
        A model with a new head: the body comes from the checkpoint, the head from the plan.

        >>> import torch
        >>> import unifiedinit as ui
        >>> old = torch.nn.Sequential(torch.nn.Linear(4, 8))
        >>> new = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Linear(8, 2))
        >>> report = ui.init_missing(new, old.state_dict(), ui.presets.torch, seed=0)
        >>> report.loaded, report.unexpected, torch.equal(new[0].weight, old[0].weight)
        (('0.weight', '0.bias'), (), True)
    """
    from collections.abc import Mapping

    from . import _validate as v
    from .apply import backend_of, check_options
    from .plan import Plan
    if not isinstance(plan, Plan):
        raise TypeError(f"init_missing: parameter 'plan' must be a unifiedinit.Plan, got {plan!r}")
    backend = backend_of(model)
    if backend.NAME != "torch":
        raise NotImplementedError("init_missing: torch models for now; elsewhere use plan.apply(model, seed=..., "
                                  "skip=checkpoint_names) and load the checkpoint with the framework")
    # the seed and options Plan.apply takes, checked here so that a wrong one is named as init_missing's
    seed = v.seed("init_missing", seed)
    check_options(backend, options, "init_missing")
    import torch

    from .backends.torch.model import check_device
    if options.get("device") is not None:  # the checkpoint's copies are tried there before the plan runs: a device
        check_device("init_missing", options["device"])  # Plan.apply refuses is refused in its words first
    from .apply import skip_matched, skip_names
    also_skip = skip_names(options.pop("skip", None), "init_missing")  # the user's own, a head set by hand
    entries: Mapping[str, Any] = checkpoint  # read as a state_dict once checked to be a mapping
    if not isinstance(checkpoint, Mapping):
        raise TypeError("init_missing: parameter 'checkpoint' must be a torch state_dict (names -> tensors), got "
                        f"{type(checkpoint).__name__}")
    # a module's extra state (what get_extra_state gave, any object, under "<module>._extra_state") goes to that
    # module's set_extra_state, as load_state_dict gives it, or is unexpected; any other entry must be a tensor
    apart = [n for n, t in entries.items()
             if _is_extra_state(n) and (isinstance(model, torch.nn.Module) or not isinstance(t, torch.Tensor))]
    for name, t in entries.items():
        if not isinstance(t, torch.Tensor) and name not in apart:
            raise TypeError(f"init_missing: parameter 'checkpoint' must be a torch state_dict (names -> tensors); "
                            f"its entry {name!r} is {type(t).__name__}; allowed: tensors, and any object as a "
                            "module's extra state ('<module>._extra_state', which its set_extra_state takes)")
    extra = _extra_states(model, apart)
    state: Mapping[str, torch.Tensor] = {n: t for n, t in entries.items() if n not in apart}
    from .apply import stream
    from .backends.torch.model import UNBUILT, local_block, positions, walk, writable
    own: dict[str, torch.Tensor] = model.state_dict() if isinstance(model, torch.nn.Module) else dict(model)
    # a lazy module's tensors not built yet (nn.LazyLinear before its first call): one the checkpoint names takes
    # the checkpoint's shape, as load_state_dict's hook builds it; the plan leaves the others, as plan.apply does
    unbuilt = {name for name, t in own.items() if isinstance(t, UNBUILT)}
    # the model's tensors as the plan sees them (a state_dict's described by its module=): a tied tensor is one
    # record, its owner's path first, and every name of it goes to that owner
    owner_of: dict[str, str] = {}
    kinds: dict[str, str] = {}
    position: dict[str, int] = {}
    padding: dict[str, int] = {}  # an embedding's padding row (torch's padding_idx), by its owner's name
    walked = [p for p, _ in walk(model, module=options.get("module"))]
    for i, p in enumerate(walked):
        owner = p.path.replace("/", ".")
        position[owner] = i
        if p.padding_idx is not None:
            padding[owner] = p.padding_idx
        for path in (p.path,) + p.aliases:
            owner_of[path.replace("/", ".")], kinds[path.replace("/", ".")] = owner, p.kind
    # every name of skip= names a parameter or another tensor of the model (a buffer), as plan.apply takes it
    skip_matched(also_skip, walked, lambda: {name.replace(".", "/"): None for name in own}, owner="init_missing")
    loaded: list[str] = []
    resized: dict[str, tuple[int, int]] = {}
    unexpected: list[str] = []
    names_of: dict[str, list[str]] = {}  # one tensor of the model -> the checkpoint's names for it
    tried: set[tuple[Any, ...]] = set()  # (dtype, device, dtype, device) copies tried
    for name, t in state.items():
        if name not in own:
            unexpected.append(name)
            continue
        mine = own[name]
        _check_placement(name, t, mine)  # a DTensor is copied shard into shard: the model's own placements
        _check_source(name, _local(t), mine)
        _check_copy(name, _local(t), mine.dtype, _target_device(mine, options.get("device")), tried)
        if mine.is_meta and options.get("device") is None:  # copied into a meta tensor, it would keep nothing
            raise ValueError(f"init_missing: the model's tensor {name!r} is on the meta device, which holds no "
                             "values; pass device= to give it memory there and copy the checkpoint in")
        if name not in unbuilt:  # one built here has memory of its own
            writable(mine, name, "init_missing: ")  # one torch would refuse half way through the copy
        if name in unbuilt or tuple(t.shape) == tuple(mine.shape):
            loaded.append(name)
        elif kinds.get(name) == "embedding" and t.dim() == 2 and t.shape[1] == mine.shape[1] \
                and 0 < t.shape[0] < mine.shape[0]:
            if _is_dtensor(t):  # its new rows are drawn from all of its old rows
                raise TypeError(f"init_missing: checkpoint tensor {name!r} is a DTensor ({_placed(t)}) of an "
                                f"embedding that grew ({tuple(t.shape)} -> {tuple(mine.shape)}): its new rows are "
                                "drawn from the mean and variance of all of its old rows; allowed: its whole "
                                "tensor (t.full_tensor() on every rank)")
            if t.is_complex():  # its rows are read as float64 to draw the new ones
                raise TypeError(f"init_missing: checkpoint tensor {name!r} is a complex embedding ({t.dtype}) that "
                                "grew; allowed: a real one (its new rows are drawn from the old rows' real mean "
                                "and variance)")
            # its rows are read as float64 on the model's device, the grown tensor copied from float64
            where = _target_device(mine, options.get("device"))
            _check_copy(name, t, torch.float64, where, tried)
            _check_copy(name, torch.empty((), dtype=torch.float64, device=where), mine.dtype, where, tried,
                        what="its grown rows, float64")
            resized[name] = (t.shape[0], mine.shape[0])
        else:
            raise ValueError(f"init_missing: checkpoint tensor {name!r} has shape {tuple(t.shape)}, the model's "
                             f"{tuple(mine.shape)}; only an embedding may grow (more rows, same features)")
        names_of.setdefault(owner_of.get(name, name), []).append(name)
    for names in names_of.values():  # a tied tensor holds one value: its names must agree
        first = state[names[0]]
        for other in names[1:]:
            if not _same(first, state[other]):
                raise ValueError(f"init_missing: checkpoint tensors {names[0]!r} and {other!r} are one tied tensor "
                                 "of the model and differ (shape, dtype or values); allowed: one value for a tied "
                                 "tensor (drop one of the names from the checkpoint)")
    # a state_dict may hold a tied tensor's names as tensors of their own: each takes the checkpoint's values too
    copies = {name: [other for other, owner in owner_of.items()
                     if owner == owner_of.get(name, name) and other != name and own[other] is not own[name]]
              for names in names_of.values() for name in names[:1]}
    for name in loaded + list(resized):  # a shard the checkpoint cannot be copied into (Partial) says so now
        if name not in unbuilt:
            local_block(own[name])
        for other in copies.get(name, ()):
            if own[other].shape != own[name].shape or own[other].dtype != own[name].dtype:
                raise ValueError(f"init_missing: the model's tensors {name!r} and {other!r} are one tied tensor of "
                                 f"module= and differ ({tuple(own[name].shape)} {own[name].dtype}, "
                                 f"{tuple(own[other].shape)} {own[other].dtype}); allowed: tensors of the same shape "
                                 "and dtype, or one of the names only")
            _check_placement(name, state[name], own[other], other)
            writable(own[other], other, "init_missing: ")
    # what the copies read (each tied tensor's first name), as it is now: one sharing memory with a tensor the plan
    # or another copy writes is cloned (the plan has not drawn yet)
    source = _at_call(model, own, {names[0]: names[0] in resized for names in names_of.values()}, state)
    generator: torch.Generator | None = options.get("generator")
    # each grown tensor's new rows, drawn before anything is written so that rows its dtype cannot hold are
    # refused (and once, in the model's order: a generator's draws follow it), keyed by its canonical key
    keys = _keys(plan, walked, positions(model, [(p, None) for p in walked], options.get("module"))) \
        if seed is not None else {}
    grown: dict[str, torch.Tensor] = {}
    drawing: list[tuple[str, torch.device]] = []  # each grown tensor's first name, and where it is drawn
    # a padding row among the new rows keeps what the plan writes there (torch's Embedding: zeros; it gets no
    # gradient, so a drawn one would stay for all of training): the plan draws that embedding, the rest is copied
    keep: dict[str, int] = {}
    for owner in sorted({owner_of[n] for n in resized}, key=position.__getitem__):
        device = _target_device(own[names_of[owner][0]], options.get("device"))
        drawing.append((names_of[owner][0], source[names_of[owner][0]].device if device is None else device))
        if resized[names_of[owner][0]][0] <= padding.get(owner, -1):
            keep[names_of[owner][0]] = padding[owner]
    # without a seed the new rows advance generator= or torch's default generator of their devices: a call
    # refused after they are drawn (their rows, or the plan) puts it back, as a refused plan.apply leaves it
    undo_rng = _rng_kept(generator, [device for _, device in drawing]) if seed is None and drawing else None
    undo: list[tuple[Any, str, Any]] = []
    built: list[tuple[Any, Any, Any]] = []  # each lazy tensor built here, with its class and data before
    try:
        for name, device in drawing:
            old, new = resized[name]
            rows = source[name].to(device, torch.float64)  # a device= the plan refuses after: the source's
            if seed is not None:
                g: torch.Generator | None = torch.Generator(device).manual_seed(
                    stream(seed, f"{keys[name]}/new_rows"))
                where = device
            else:  # as the plan draws: generator= when given, else torch's default generator
                g, where = generator, generator.device if generator is not None else device
            noise = torch.randn(new - old, rows.shape[1], generator=g, dtype=torch.float64, device=where)
            mean, std = rows.mean(0), rows.std(0, correction=0)
            drawn = mean + std * noise.to(device)
            _check_rows(name, drawn, (old, new), own[name].dtype)
            grown[name] = torch.cat([rows, drawn])
        with torch.no_grad():  # the lazy tensors the checkpoint names, built in place as load_state_dict builds them
            for name in loaded:
                lazy = own[name]
                if isinstance(lazy, UNBUILT):  # a tied one once
                    built.append((lazy, type(lazy), lazy.data))
                    lazy.materialize(state[name].shape)
        undo = _filled_buffers(model, [n for n in loaded if own[n].is_meta], options.get("device"))
        provided = tuple(loaded) + tuple(n for n in resized if names_of[owner_of.get(n, n)][0] not in keep)
        report = plan.apply(model, seed=seed, skip=list(dict.fromkeys(also_skip + provided)), **options)
    except BaseException:
        for module, leaf, was in reversed(undo):  # the meta buffers given memory for the checkpoint, as they were
            module._buffers[leaf] = was
        for t, kind, data in reversed(built):  # the lazy tensors built for the checkpoint, unbuilt again
            t.__class__, t.data = kind, data
        if undo_rng is not None:
            undo_rng()
        raise
    own = model.state_dict() if isinstance(model, torch.nn.Module) else dict(model)  # materialized: new tensors

    def put(name: str, whole: torch.Tensor, row: int | None = None) -> None:
        """The checkpoint's whole tensor into the model's (and into each other name of it that is a tensor of its
        own): a DTensor (FSDP2) takes its own shard of it; a checkpoint DTensor, of the model's placements
        (checked), is copied shard into shard. ``row``: a row that keeps what it holds (a new padding row)."""
        for each in [name] + copies.get(name, []):
            local, block = local_block(own[each])
            at = row - block[0][0] if row is not None and block[0][0] <= row < block[0][1] else None
            kept = local[at].clone() if at is not None else None
            local.copy_(_local(whole) if _is_dtensor(whole) else whole[tuple(slice(a, b) for a, b in block)])
            if at is not None and kept is not None:
                local[at] = kept

    with torch.no_grad():
        done: set[str] = set()
        for name in loaded:
            owner = owner_of.get(name, name)
            if owner not in done:  # a tied tensor once
                done.add(owner)
                put(name, source[name])
        for name, whole in grown.items():
            put(name, whole, keep.get(name))
    for name, module in extra.items():  # last, as the module's own code: the tensors are written whatever it does
        module.set_extra_state(entries[name])
    taken, left = set(loaded) | set(extra), set(unexpected) | (set(apart) - set(extra))
    report.loaded = tuple(n for n in entries if n in taken)  # in the checkpoint's order
    report.resized, report.unexpected = dict(resized), tuple(n for n in entries if n in left)
    return report


def _is_extra_state(name: str) -> bool:
    """Whether a state_dict name is a module's extra state (torch's ``"<module>._extra_state"``)."""
    return name.rpartition(".")[2] == "_extra_state"


def _extra_states(model: Any, names: Sequence[str]) -> dict[str, Any]:
    """The modules of ``model`` that take the checkpoint's extra states ``names``, by name, as ``load_state_dict``
    gives them: a module whose class overrides ``set_extra_state``. A name of no such module is not taken (torch
    reports it unexpected); a model that is a state_dict takes none (its module's methods are not called)."""
    import torch
    if not isinstance(model, torch.nn.Module):
        return {}
    base: Any = torch.nn.Module.set_extra_state
    out: dict[str, Any] = {}
    for name in names:
        try:
            module = model.get_submodule(name.rpartition(".")[0])
        except AttributeError:
            continue
        if getattr(type(module), "set_extra_state", base) is not base:
            out[name] = module
    return out


def _keys(plan: Any, walked: list[Any], held: Sequence[tuple[Any, ...]]) -> dict[str, str]:
    """Every name of the model's tensors (dotted) -> its tensor's canonical key, as ``plan.apply`` gives it (the
    stacked axes a rule declares included), before the plan runs: the key of a grown embedding's new rows.
    ``held``: the layers that count as positions without records (``assign_keys``)."""
    from .params import assign_keys
    declared = [plan._stacked_as_declared(p, plan.match(p)) for p in walked]
    return {path.replace("/", "."): p.key for p in assign_keys(declared, held=held) for path in (p.path,) + p.aliases}


def _check_rows(name: str, drawn: Any, rows: tuple[int, int], dtype: Any) -> None:
    """Refuse, before anything is written, the new rows of a grown embedding (``drawn``, float64) that are not
    finite as the model's ``dtype`` holds them: old rows that are not finite, or whose mean and spread put new
    rows past the dtype's largest value (they would be written as inf)."""
    import torch
    held = drawn.to(dtype)
    held = held.to(torch.complex128 if held.is_complex() else torch.float64)
    bad = int((~torch.isfinite(held)).sum())
    if not bad:
        return
    old, new = rows
    if not bool(torch.isfinite(drawn).all()):
        why = "its old rows hold NaN or inf, so their mean and variance are not finite"
    else:
        largest = float(drawn.abs().max())
        why = (f"the largest is {largest:.6g}, past the largest value {dtype} holds, "
               f"{torch.finfo(dtype).max:.6g}" if dtype.is_floating_point or dtype.is_complex
               else f"the largest is {largest:.6g}")
    raise ValueError(f"init_missing: the grown embedding {name!r} ({old} -> {new} rows, {dtype}) would hold "
                     f"{bad} value(s) that are not finite in {dtype} among its {new - old} new rows, drawn from "
                     f"N(mean, var) of its old rows feature by feature ({why}); allowed: old rows whose mean and "
                     f"spread {dtype} holds with room to spare, or a model of a wider dtype. Nothing was written")


def _is_dtensor(t: Any) -> bool:
    """Whether ``t`` is a DTensor (an FSDP2 or tensor-parallel tensor); torch.distributed is only looked at when
    loaded."""
    import sys
    module = sys.modules.get("torch.distributed.tensor")
    return module is not None and isinstance(t, module.DTensor)


def _local(t: Any) -> Any:
    """The tensor this process holds of ``t``: a DTensor's local shard, a plain tensor itself."""
    return t.to_local() if _is_dtensor(t) else t


def _placed(t: Any) -> str:
    """A DTensor's placements and mesh, in words."""
    mesh = t.device_mesh
    return (f"placements ({', '.join(map(repr, t.placements))}) on a {mesh.device_type} mesh of ranks "
            f"{mesh.mesh.tolist()}")


def _check_placement(name: str, t: Any, mine: Any, target: str | None = None) -> None:
    """Refuse, before anything is written, a checkpoint DTensor ``t`` that is not a shard of the model's tensor
    ``mine`` (named ``target``) on this rank: a DTensor is copied shard into shard, so ``mine`` must be a DTensor
    of the same placements on a mesh of the same ranks (as distributed checkpoint loading into the model's own
    state_dict gives); any other is read whole with ``full_tensor()`` by the caller. The same on every rank."""
    if not _is_dtensor(t):
        return
    into = "" if target is None or target == name else f" (copied into {target!r} too)"
    allowed = ("allowed: a DTensor of the model's own placements on the same ranks (as torch.distributed.checkpoint "
               "loads into model.state_dict()), copied shard by shard, or a plain tensor (t.full_tensor() on every "
               "rank), of which each rank copies its own block")
    if not _is_dtensor(mine):
        raise TypeError(f"init_missing: checkpoint tensor {name!r}{into} is a DTensor ({_placed(t)}) and the "
                        f"model's is a plain tensor; {allowed}")
    if tuple(t.placements) != tuple(mine.placements) \
            or t.device_mesh.mesh.tolist() != mine.device_mesh.mesh.tolist():
        raise TypeError(f"init_missing: checkpoint tensor {name!r}{into} is a DTensor ({_placed(t)}) and the "
                        f"model's has {_placed(mine)}; {allowed}")


def _rng_kept(generator: Any, devices: list[Any]) -> Callable[[], None]:
    """What puts back the generators a draw on ``devices`` advances: ``generator`` when given, else torch's default
    generator of each device (the CPU's, a CUDA device's)."""
    import torch
    if generator is not None:
        kept = generator.get_state()
        return lambda: generator.set_state(kept)
    saved: list[tuple[Callable[[Any], None], Any]] = []
    for device in dict.fromkeys(torch.device(d) for d in devices):
        if device.type == "cpu":
            saved.append((torch.set_rng_state, torch.get_rng_state()))
        elif device.type != "meta":  # an accelerator: its module keeps a default generator per device
            module: Any = torch.get_device_module(device.type)

            def put_back(state: Any, module: Any = module, device: Any = device) -> None:
                module.set_rng_state(state, device)
            saved.append((put_back, module.get_rng_state(device)))

    def restore() -> None:
        for put_back, state in saved:
            put_back(state)
    return restore


def _check_source(name: str, t: Any, mine: Any) -> None:
    """Refuse a checkpoint tensor ``copy_`` cannot read into the model's tensor ``mine`` (checked before anything
    is written: it would fail after the plan has drawn)."""
    import torch

    from .backends.torch.model import UNBUILT
    if isinstance(t, UNBUILT):
        raise TypeError(f"init_missing: checkpoint tensor {name!r} is a lazy module's {type(t).__name__}, not built "
                        "yet, which holds no values; allowed: dense tensors with values (call that module on data "
                        "before taking its state_dict)")
    if t.layout != torch.strided or t.device.type == "meta":
        raise TypeError(f"init_missing: checkpoint tensor {name!r} is {'on meta' if t.is_meta else t.layout}; "
                        "allowed: dense tensors with values (t.to_dense() for a sparse one; one on meta has none)")
    if t.is_quantized:
        raise TypeError(f"init_missing: checkpoint tensor {name!r} is quantized ({t.dtype}); allowed: a tensor of "
                        "values (t.dequantize())")
    if t.is_complex() and not mine.is_complex():
        raise TypeError(f"init_missing: checkpoint tensor {name!r} is complex ({t.dtype}), the model's "
                        f"{mine.dtype}: copying it would drop its imaginary part")


def _target_device(mine: Any, device: Any) -> Any:
    """Where the checkpoint's tensor is copied to: the model's tensor's device, or ``device=`` (checked by
    ``check_device``) for one on meta; None for one on meta without it (the checkpoint's own device: the call
    refuses that tensor after)."""
    import torch
    if not mine.is_meta:
        return mine.device
    return None if device is None else torch.device(device)


def _check_copy(name: str, t: Any, dtype: Any, device: Any, tried: set[tuple[Any, ...]], *,
                what: str = "") -> None:
    """Refuse, before anything is written, a checkpoint tensor whose dtype torch cannot ``copy_`` into ``dtype`` on
    ``device`` (bits8, int4, float4_e2m1fn_x2: no kernel): one entry of it is copied, once per pair of dtypes and
    devices (``tried``)."""
    import warnings

    import torch
    where = t.device if device is None else device
    key = (t.dtype, t.device, dtype, where)
    if key in tried:
        return
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a trial: what torch would say of the values is for the real copy
            one = t.detach()[(0,) * t.dim()] if t.numel() else torch.empty((), dtype=t.dtype, device=t.device)
            torch.empty((), dtype=dtype, device=where).copy_(one)
    except (NotImplementedError, RuntimeError, TypeError) as e:
        raise TypeError(f"init_missing: checkpoint tensor {name!r}{f' ({what})' if what else ''} has dtype "
                        f"{t.dtype}, which torch cannot copy into the model's "
                        f"{dtype} on {where} ({str(e).splitlines()[0] if str(e) else type(e).__name__}); allowed: "
                        "a dtype copy_ reads (bool, 8- to 64-bit integers, float8/16/32/64, bfloat16, complex); "
                        "unpack a packed one first") from None
    tried.add(key)


def _storage(t: Any) -> tuple[Any, int] | None:
    """The memory a tensor's entries lie in: (device, its storage's address), or None for one without memory (on
    meta, empty, or a subclass that does not say where its memory is)."""
    try:
        return None if t.is_meta or t.numel() == 0 else (t.device, int(t.untyped_storage().data_ptr()))
    except (RuntimeError, NotImplementedError, TypeError, AttributeError):
        return None


def _at_call(model: Any, own: dict[str, Any], used: dict[str, bool], state: Any) -> dict[str, Any]:
    """The checkpoint's tensors the copies read (``used``: name -> whether it grew), each as it is now: one in the
    memory of a tensor of the model that the plan or another copy may write is cloned, so the values copied in are
    those at the call (``{"0.weight": model[1].weight}``); the others are not copied. A tensor that is the very
    view of the model's tensor it is copied into (``model.state_dict()`` as the checkpoint) is read in place; so is
    a grown embedding's view of its own tensor, whose old rows are read before the grown tensor is written."""
    import torch

    from .backends.torch.model import UNBUILT, local_block
    tensors = list(own.values())
    if isinstance(model, torch.nn.Module):
        tensors += list(model.parameters()) + list(model.buffers())
    local: dict[int, Any] = {}  # the model's tensors (each shard's block), by id
    in_storage: dict[tuple[Any, int], list[Any]] = {}
    for u in tensors:  # a lazy module's tensor not built yet has no memory (built here, it gets memory of its own)
        if isinstance(u, torch.Tensor) and not isinstance(u, UNBUILT) and id(u) not in local:
            try:
                local[id(u)] = local_block(u)[0]
            except ValueError:  # a Partial DTensor: the plan refuses it
                continue
            where = _storage(local[id(u)])
            if where is not None:
                in_storage.setdefault(where, []).append(local[id(u)])
    out = dict(state)
    for name, grew in used.items():
        t, mine = state[name], local.get(id(own[name]))
        held = _local(t)  # a checkpoint DTensor (of the model's placements): its shard is what is copied
        where = _storage(held)
        others = in_storage.get(where, []) if where is not None else []
        if any(mine is None or not _view(u, mine) or not (grew or _view(held, mine)) for u in others):
            with torch.no_grad():
                out[name] = t.detach().clone()
    return out


def _view(a: Any, b: Any) -> bool:
    """Whether two tensors are the same view of the same memory."""
    return bool(a.data_ptr() == b.data_ptr() and a.dtype == b.dtype and a.device == b.device
                and tuple(a.shape) == tuple(b.shape) and tuple(a.stride()) == tuple(b.stride()))


def _same(a: Any, b: Any) -> bool:
    """Whether two checkpoint tensors hold the same tensor: shape, dtype and values (a DTensor beside a plain tensor
    is read whole, on every rank alike; two DTensors torch compares itself)."""
    import torch
    if a is b:
        return True
    if tuple(a.shape) != tuple(b.shape) or a.dtype != b.dtype:
        return False
    if _is_dtensor(a) and _is_dtensor(b):
        return bool(torch.equal(a, b))
    a, b = (t.full_tensor() if _is_dtensor(t) else t for t in (a, b))
    return bool(torch.equal(a, b.to(a.device)))


def _filled_buffers(model: Any, names: list[str], device: Any) -> list[tuple[Any, str, Any]]:
    """Give the meta buffers the checkpoint fills (``names``, of a module built on meta) memory on ``device`` (zeros,
    as the plan gives the parameters it skips), before the plan materializes the rest: else it reports them as
    holding uninitialized memory. Returns (module, buffer name, the meta tensor) for each, to put back if the plan
    refuses. ``device``: init_missing's, checked (``check_device``); nothing is done without one."""
    import torch
    if not names or device is None or not isinstance(model, torch.nn.Module):
        return []
    where = torch.device(device)
    targets: set[int] = set()
    for name in names:
        try:
            buffer = model.get_buffer(name)
        except AttributeError:  # a parameter, or a name a module's own state_dict makes
            continue
        if type(buffer) is torch.Tensor and buffer.is_meta:
            targets.add(id(buffer))
    made: dict[int, torch.Tensor] = {}
    undo: list[tuple[Any, str, Any]] = []
    for module in model.modules():
        for leaf, held in list(module._buffers.items()):
            if held is not None and id(held) in targets:
                if id(held) not in made:  # a buffer two modules hold stays one tensor
                    made[id(held)] = torch.zeros_like(held, device=where)
                undo.append((module, leaf, held))
                module._buffers[leaf] = made[id(held)]
    return undo
