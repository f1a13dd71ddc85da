"""Checkpoint-aware initialization: load what a checkpoint provides, initialize only the rest.

``ui.init_missing(model, checkpoint, plan, seed=...)`` checks every tensor the checkpoint shares with the model
before anything is written (same shape; an embedding may have grown: new vocabulary rows), initializes every
parameter the checkpoint lacks (a fine-tuning head, new tokens' rows) with ``plan``, then copies the checkpoint's
tensors in. New rows of a grown embedding are drawn from N(mean, var) of the existing rows, feature by feature,
so new tokens start among the old ones (as Hugging Face's ``resize_token_embeddings(mean_resizing=True)`` means
them to). The report says what came from where: ``loaded``, ``resized`` (path -> (rows in the checkpoint, rows
now)), ``unexpected`` (checkpoint names the model does not have), and the plan's entries for the rest.

torch models and state_dicts today; other frameworks: ``plan.apply(model, seed=..., skip=names)`` initializes
all but the named parameters, and the checkpoint is loaded by the framework's own means.
"""

from __future__ import annotations

from typing import Any


def init_missing(model: Any, checkpoint: Any, plan: Any, *, seed: int | None = None, **options: Any) -> Any:
    """Initialize ``model`` from ``checkpoint`` where it provides a tensor, and from ``plan`` elsewhere.

    Args:
        model: a torch module (built normally or with ``empty_init()``; pass ``device=`` then), sharded
            (FSDP2, DTensor: each rank copies its own shard of the checkpoint's tensors) or not.
        checkpoint: a torch state_dict (a mapping of dotted names to tensors).
        plan: the ``Plan`` for what the checkpoint lacks (a new head, new rows of a grown embedding are drawn
            from N(mean, var) of the old rows instead).
        seed: the plan's seed, and of a grown embedding's new rows; None: torch's default generator for both.
        **options: ``Plan.apply``'s options (``device=``, ``generator=``).

    Returns:
        The plan's ``Report``, with ``loaded``, ``resized`` and ``unexpected`` filled: what came from where.

    Raises:
        ValueError: a shared tensor whose shape differs (other than an embedding that grew), or a plan that
            cannot set a missing parameter; nothing was written.
        TypeError: ``plan`` is not a Plan, ``checkpoint`` is not a mapping of names to torch tensors, or one of
            them holds no values to copy (on meta, sparse) or is complex where the model's is real; nothing was
            written.
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

    from .apply import backend_of
    from .plan import Plan
    if not isinstance(plan, Plan):
        raise TypeError(f"init_missing: parameter 'plan' must be a unifiedinit.Plan, got {plan!r}")
    if backend_of(model).NAME != "torch":
        raise NotImplementedError("init_missing: torch models for now; elsewhere use plan.apply(model, seed=..., "
                                  "skip=checkpoint_names) and load the checkpoint with the framework")
    import torch
    state: Mapping[str, torch.Tensor] = checkpoint  # read as a state_dict once checked to be one
    if not isinstance(checkpoint, Mapping) or not all(isinstance(t, torch.Tensor) for t in state.values()):
        raise TypeError("init_missing: parameter 'checkpoint' must be a torch state_dict (names -> tensors)")
    from .backends.torch.model import walk
    own: dict[str, torch.Tensor] = model.state_dict() if isinstance(model, torch.nn.Module) else dict(model)
    kinds: dict[str, str] = {}
    for p, _ in walk(model):
        for path in (p.path,) + p.aliases:
            kinds[path.replace("/", ".")] = p.kind
    loaded: list[str] = []
    resized: dict[str, tuple[int, int]] = {}
    unexpected: list[str] = []
    for name, t in state.items():
        if name not in own:
            unexpected.append(name)
            continue
        mine = own[name]
        if t.layout != torch.strided or t.device.type == "meta":  # checked here: copy_ would fail after the plan
            raise TypeError(f"init_missing: checkpoint tensor {name!r} is {'on meta' if t.is_meta else t.layout}; "
                            "allowed: dense tensors with values (t.to_dense() for a sparse one; one on meta has none)")
        if t.is_complex() and not mine.is_complex():
            raise TypeError(f"init_missing: checkpoint tensor {name!r} is complex ({t.dtype}), the model's "
                            f"{mine.dtype}: copying it would drop its imaginary part")
        if tuple(t.shape) == tuple(mine.shape):
            loaded.append(name)
        elif kinds.get(name) == "embedding" and t.dim() == 2 and t.shape[1] == mine.shape[1] \
                and 0 < t.shape[0] < mine.shape[0]:
            resized[name] = (t.shape[0], mine.shape[0])
        else:
            raise ValueError(f"init_missing: checkpoint tensor {name!r} has shape {tuple(t.shape)}, the model's "
                             f"{tuple(mine.shape)}; only an embedding may grow (more rows, same features)")
    from .backends.torch.model import local_block
    for name in loaded + list(resized):  # a shard the checkpoint cannot be copied into (Partial) says so now
        local_block(own[name])
    report = plan.apply(model, seed=seed, skip=loaded + list(resized), **options)
    from .apply import stream
    own = model.state_dict() if isinstance(model, torch.nn.Module) else dict(model)  # materialized: new tensors

    def put(name: str, whole: torch.Tensor) -> None:
        """The checkpoint's whole tensor into the model's: a DTensor (FSDP2) takes its own shard of it."""
        local, block = local_block(own[name])
        local.copy_(whole[tuple(slice(a, b) for a, b in block)])

    with torch.no_grad():
        for name in loaded:
            put(name, state[name])
        for name, (old, new) in resized.items():
            device = own[name].device
            rows = state[name].to(device, torch.float64)
            g = None  # no seed: torch's default generator, as the plan draws
            if seed is not None:
                g = torch.Generator(device)
                g.manual_seed(stream(seed, f"{name}/new_rows"))
            mean, std = rows.mean(0), rows.std(0, correction=0)
            fresh = mean + std * torch.randn(new - old, rows.shape[1], generator=g, dtype=torch.float64, device=device)
            put(name, torch.cat([rows, fresh]))
    report.loaded, report.resized, report.unexpected = tuple(loaded), dict(resized), tuple(unexpected)
    return report
