"""unifiedinit benchmarks: native code vs a unifiedinit plan vs portable mode, in every installed framework.

    .venv/bin/python benchmarks/bench.py                 # everything; writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench.py --quick         # smaller models, fewer repetitions (a smoke run)

For each framework and each model (ResNet-50-shaped: its 53 convolutions, 53 BatchNorms and the 1000-way
classifier, 25.6 M parameters; GPT-2-small-shaped: token and position embeddings, 12 blocks of LayerNorm and
Linear layers, 124 M parameters), one fresh process builds the model and then times re-initializing it:

- native:   the framework's own init functions, the way the seeds write them (torch.nn.init per module;
            Keras, JAX and MXNet initializers assigned per variable);
- plan:     the equivalent unifiedinit plan (``plan.apply(model, seed=0)``);
- portable: the same plan in portable mode.

Times are the median of several repetitions after a warm-up, in the same process; the ratios plan/native and
portable/native come from the same process too. Peak memory is the process's peak resident size during the
timed runs minus its size before them, against the bytes of the parameters. Throughput is parameters per
second, against a plain NumPy fill of the same bytes (the ceiling). torch also times building on the meta
device and letting the plan write each parameter once, against the seeds' build-then-apply.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------- models

def resnet50(quick: bool) -> list[tuple]:
    """(kind, shape in torch's layout) of every parameterized layer of ResNet-50."""
    layers = [("conv", (64, 3, 7, 7)), ("bn", 64)]
    width = 0.25 if quick else 1.0
    inplanes = 64
    for planes, blocks in ((64, 3), (128, 4), (256, 6), (512, 3)):
        planes = max(8, int(planes * width))
        for b in range(blocks):
            layers += [("conv", (planes, inplanes, 1, 1)), ("bn", planes), ("conv", (planes, planes, 3, 3)),
                       ("bn", planes), ("conv", (planes * 4, planes, 1, 1)), ("bn", planes * 4)]
            if b == 0:
                layers += [("conv", (planes * 4, inplanes, 1, 1)), ("bn", planes * 4)]
            inplanes = planes * 4
    return layers + [("dense", (1000, inplanes))]


def gpt2(quick: bool) -> list[tuple]:
    d, n_layer, vocab = (256, 2, 8192) if quick else (768, 12, 50257)
    layers = [("embedding", (vocab, d)), ("embedding", (1024, d))]
    for _ in range(n_layer):
        layers += [("ln", d), ("dense", (3 * d, d)), ("dense", (d, d)), ("ln", d), ("dense", (4 * d, d)),
                   ("dense", (d, 4 * d))]
    return layers + [("ln", d)]


MODELS = {"resnet50": resnet50, "gpt2": gpt2}


def plan_for(model: str):
    import unifiedinit as ui
    if model == "resnet50":  # the seeds' ResNet init: He normal (fan_out) convs, BN 1/0, Linear N(0, 0.01), bias 0
        return (ui.Plan(name="resnet").rule(ui.KaimingNormal(mode="fan_out", nonlinearity="relu"), kind="conv",
                                            role="weight")
                .rule(ui.Ones(), kind="norm", role="scale").rule(ui.Zeros(), kind="norm", role="shift")
                .rule(ui.Normal(0, 0.01), kind="dense", role="weight").rule(ui.Zeros(), role="bias"))
    return (ui.Plan(name="gpt2").rule(ui.Normal(0, 0.02), kind=("dense", "embedding"), role=("weight", "embedding"))
            .rule(ui.Zeros(), role="bias").rule(ui.Ones(), kind="norm", role="scale")
            .rule(ui.Zeros(), kind="norm", role="shift"))


# --------------------------------------------------------------------------------------- per framework

def build_torch(layers, device="cpu"):
    import torch
    from torch import nn
    mods = []
    for kind, shape in layers:
        if kind == "conv":
            mods.append(nn.Conv2d(shape[1], shape[0], shape[2], bias=False, device=device))
        elif kind == "bn":
            mods.append(nn.BatchNorm2d(shape, device=device))
        elif kind == "ln":
            mods.append(nn.LayerNorm(shape, device=device))
        elif kind == "dense":
            mods.append(nn.Linear(shape[1], shape[0], device=device))
        else:
            mods.append(nn.Embedding(*shape, device=device))
    return nn.ModuleList(mods)


def native_torch(model, name):
    import torch
    from torch import nn
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0, 0.01 if name == "resnet50" else 0.02)
                if getattr(m, "bias", None) is not None:
                    nn.init.zeros_(m.bias)


def build_keras(layers):
    import keras
    from keras import layers as L

    class Net(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.parts = []
            for kind, shape in layers:
                if kind == "conv":
                    lay = L.Conv2D(shape[0], shape[2], use_bias=False)
                    lay.build((None, 8, 8, shape[1]))
                elif kind in ("bn", "ln"):
                    lay = L.BatchNormalization() if kind == "bn" else L.LayerNormalization()
                    lay.build((None, shape))
                elif kind == "dense":
                    lay = L.Dense(shape[0])
                    lay.build((None, shape[1]))
                else:
                    lay = L.Embedding(*shape)
                    lay.build((None, 4))
                self.parts.append(lay)
            self.built = True
    return Net()


def native_keras(model, name):
    import keras
    from keras import initializers as I
    std = 0.01 if name == "resnet50" else 0.02
    for lay in model.parts:
        if isinstance(lay, keras.layers.Conv2D):
            lay.kernel.assign(I.VarianceScaling(2.0, "fan_out", "untruncated_normal")(lay.kernel.shape))
        elif isinstance(lay, (keras.layers.BatchNormalization, keras.layers.LayerNormalization)):
            lay.gamma.assign(I.Ones()(lay.gamma.shape))
            lay.beta.assign(I.Zeros()(lay.beta.shape))
        elif isinstance(lay, keras.layers.Dense):
            lay.kernel.assign(I.RandomNormal(0.0, std)(lay.kernel.shape))
            lay.bias.assign(I.Zeros()(lay.bias.shape))
        else:
            lay.embeddings.assign(I.RandomNormal(0.0, std)(lay.embeddings.shape))


def build_flax(layers):
    from flax import nnx
    rngs = nnx.Rngs(0)

    class Net(nnx.Module):
        def __init__(self):
            parts = []
            for kind, shape in layers:
                if kind == "conv":
                    parts.append(nnx.Conv(shape[1], shape[0], (shape[2], shape[3]), use_bias=False, rngs=rngs))
                elif kind == "bn":
                    parts.append(nnx.BatchNorm(shape, rngs=rngs))
                elif kind == "ln":
                    parts.append(nnx.LayerNorm(shape, rngs=rngs))
                elif kind == "dense":
                    parts.append(nnx.Linear(shape[1], shape[0], rngs=rngs))
                else:
                    parts.append(nnx.Embed(*shape, rngs=rngs))
            self.parts = nnx.List(parts)
    return Net()


def native_flax(model, name):
    import jax
    import jax.numpy as jnp
    from flax import nnx
    init = jax.nn.initializers
    std = 0.01 if name == "resnet50" else 0.02
    key = jax.random.key(0)
    for i, m in enumerate(model.parts):
        k = jax.random.fold_in(key, i)
        if isinstance(m, nnx.Conv):
            m.kernel.set_value(init.variance_scaling(2.0, "fan_out", "normal")(k, m.kernel.get_value().shape))
        elif isinstance(m, (nnx.BatchNorm, nnx.LayerNorm)):
            m.scale.set_value(jnp.ones_like(m.scale.get_value()))
            m.bias.set_value(jnp.zeros_like(m.bias.get_value()))
        elif isinstance(m, nnx.Linear):
            m.kernel.set_value(init.normal(std)(k, m.kernel.get_value().shape))
            m.bias.set_value(jnp.zeros_like(m.bias.get_value()))
        else:
            m.embedding.set_value(init.normal(std)(k, m.embedding.get_value().shape))
    jax.block_until_ready(nnx.state(model))


def build_mxnet(layers):
    from unifiedinit.backends.mxnet import mx
    nn = mx.gluon.nn

    class Net(mx.gluon.Block):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                for i, (kind, shape) in enumerate(layers):
                    if kind == "conv":
                        lay = nn.Conv2D(shape[0], shape[2], in_channels=shape[1], use_bias=False)
                    elif kind in ("bn", "ln"):
                        lay = nn.BatchNorm(in_channels=shape) if kind == "bn" else nn.LayerNorm(in_channels=shape)
                    elif kind == "dense":
                        lay = nn.Dense(shape[0], in_units=shape[1])
                    else:
                        lay = nn.Embedding(*shape)
                    setattr(self, f"l{i}", lay)
    net = Net()
    net.initialize()
    return net


def native_mxnet(model, name):
    from unifiedinit.backends.mxnet import mx
    std = 0.01 if name == "resnet50" else 0.02
    for block in model._children.values():
        for pname, p in block._reg_params.items():
            if isinstance(block, mx.gluon.nn.Conv2D):
                init = mx.init.MSRAPrelu("out", 0.0)
            elif pname in ("gamma",):
                init = mx.init.One()
            elif pname in ("beta", "bias", "running_mean"):
                init = mx.init.Zero()
            elif pname == "running_var":
                init = mx.init.One()
            else:
                init = mx.init.Normal(std)
            p.initialize(init=init, force_reinit=True)
    mx.nd.waitall()


BUILD = {"torch": build_torch, "keras": build_keras, "flax": build_flax, "mxnet": build_mxnet}
NATIVE = {"torch": native_torch, "keras": native_keras, "flax": native_flax, "mxnet": native_mxnet}


def n_params(layers) -> int:
    total = 0
    for kind, shape in layers:
        if kind in ("bn", "ln"):
            total += 2 * shape
        elif kind == "dense":
            total += shape[0] * shape[1] + shape[0]
        else:
            total += int.__mul__(*shape[:2]) * (shape[2] * shape[3] if kind == "conv" else 1)
    return total


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


class PeakRSS:
    """The peak resident size above the starting one while the block runs (polled every 0.5 ms: the process's
    lifetime peak, ru_maxrss, would carry the earlier modes' peaks into the later ones)."""

    def __enter__(self):
        import threading
        self.start = self.peak = rss_mb()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self):
        while not self.done.wait(0.0005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, rss_mb())

    @property
    def extra_mb(self) -> float:
        return self.peak - self.start


def sync(framework, model):
    if framework == "flax":
        import jax
        from flax import nnx
        jax.block_until_ready(nnx.state(model))
    elif framework == "mxnet":
        from unifiedinit.backends.mxnet import mx
        mx.nd.waitall()


# ----------------------------------------------------------------------------------------------- one cell

def one(framework: str, model_name: str, reps: int, quick: bool) -> dict:
    """Run in a fresh process: build once, then time native, plan and portable on the same model."""
    import warnings
    warnings.simplefilter("ignore")
    layers = MODELS[model_name](quick)
    model = BUILD[framework](layers)
    plan = plan_for(model_name)
    modes = {"native": lambda: NATIVE[framework](model, model_name),
             "plan": lambda: plan.apply(model, seed=0),
             "portable": lambda: plan.apply(model, seed=0, portable=True)}
    out = {"params": n_params(layers)}
    for mode, fn in modes.items():
        fn()  # warm-up
        sync(framework, model)
        times = []
        with PeakRSS() as memory:
            for _ in range(reps):
                t = time.perf_counter()
                fn()
                sync(framework, model)
                times.append(time.perf_counter() - t)
        out[mode] = {"seconds": statistics.median(times), "all": times, "peak_extra_mb": max(0.0, memory.extra_mb)}
    if framework == "torch":
        import torch
        apply_plan = lambda p, m, **o: p.apply(m, **o)  # noqa: E731

        def meta_then_plan():
            with torch.device("meta"):
                m = build_torch(layers, device="meta")
            m = m.to_empty(device="cpu")
            apply_plan(plan, m, seed=0)

        def build_then_apply():
            m = build_torch(layers)
            native_torch(m, model_name)
        for mode, fn in (("build_meta_plan", meta_then_plan), ("build_then_apply", build_then_apply)):
            times = _times(fn, reps)
            out[mode] = {"seconds": statistics.median(times), "all": times}
    import numpy as np
    buf = np.empty(out["params"], dtype=np.float32)
    fills = []
    for _ in range(reps + 1):
        t = time.perf_counter()
        buf.fill(1.0)
        fills.append(time.perf_counter() - t)
    out["fill_seconds"] = statistics.median(fills[1:])
    return out


# ---------------------------------------------------------------------------------------------- real models

def real_model(framework: str, name: str, quick: bool):
    """A real architecture built from its constructor (no download): Hugging Face's ResNet-50 and GPT-2 small in
    torch, keras.applications' ResNet50 and MobileNetV3Small in Keras."""
    if framework == "torch":
        import torch
        import transformers
        transformers.utils.logging.set_verbosity_error()
        torch.manual_seed(0)
        if name == "resnet50":
            config = transformers.ResNetConfig(depths=[1, 1, 1, 1]) if quick else transformers.ResNetConfig()
            return transformers.ResNetModel(config)
        config = transformers.GPT2Config(n_layer=2, n_embd=256, n_head=4) if quick else transformers.GPT2Config()
        return transformers.GPT2LMHeadModel(config)
    import keras
    keras.utils.set_random_seed(0)
    shape = (64, 64, 3) if quick else (224, 224, 3)
    if name == "resnet50":
        return keras.applications.ResNet50(weights=None, input_shape=shape)
    return keras.applications.MobileNetV3Small(weights=None, input_shape=shape)


def own_init(framework: str, model) -> None:
    """The framework's own initialization of a built model, run again: torch's ``reset_parameters`` of every module
    that has one; for Keras, each layer's own initializer (``kernel_initializer``...) assigned to its variable."""
    if framework == "torch":
        import torch
        for module in model.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
            elif type(module).__name__ == "Conv1D":  # GPT-2's: no reset_parameters; its constructor's init
                torch.nn.init.normal_(module.weight, std=0.02)
                torch.nn.init.zeros_(module.bias)
        return
    for layer in model._flatten_layers(include_self=False, recursive=True):
        for var in layer._trainable_variables + layer._non_trainable_variables:
            name = var.path.rsplit("/", 1)[-1]
            init = getattr(layer, {"kernel": "kernel_initializer", "depthwise_kernel": "depthwise_initializer",
                                   "pointwise_kernel": "pointwise_initializer"}.get(name, f"{name}_initializer"), None)
            if init is not None:
                var.assign(init(var.shape, var.dtype))


def one_real(framework: str, name: str, reps: int, quick: bool) -> dict:
    """Run in a fresh process: the framework's preset against its own init, on the same real model."""
    import warnings
    warnings.simplefilter("ignore")
    import unifiedinit as ui
    model = real_model(framework, name, quick)
    preset = ui.presets.PRESETS[framework]
    out = {"params": sum(int(p.numel()) for p in model.parameters()) if framework == "torch" else model.count_params()}
    for mode, fn in (("own", lambda: own_init(framework, model)), ("preset", lambda: preset.apply(model, seed=0))):
        fn()
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        out[mode] = {"seconds": statistics.median(times), "all": times}
    return out


REAL = {"torch": ("resnet50", "gpt2"), "keras": ("resnet50", "mobilenetv3small")}


# --------------------------------------------------------------------------------------------- the rest

def _times(fn, reps: int) -> list[float]:
    """The seconds of each of ``reps`` calls of ``fn``, after one warm-up call."""
    fn()
    times = []
    for _ in range(reps):
        s = time.perf_counter()
        fn()
        times.append(time.perf_counter() - s)
    return times


def _timed(fn, reps: int) -> float:
    """The median seconds of ``reps`` calls of ``fn`` after one warm-up call."""
    return statistics.median(_times(fn, reps))


def trunc_normal(reps: int, n: int) -> dict:
    import torch

    from unifiedinit.backends.torch import trunc_normal_
    t = torch.empty(n)
    out = {}
    for name, fn in (("torch normal_", lambda: t.normal_()),
                     ("unifiedinit trunc_normal_", lambda: trunc_normal_(t)),
                     ("torch trunc_normal_", lambda: torch.nn.init.trunc_normal_(t))):
        out[name] = n / _timed(fn, reps) / 1e9
    return out


# ---------------------------------------------------------------------------------------------- every spec

SPEC_SHAPE, STRUCTURED_SHAPE = (4096, 4096), (1024, 1024)
SPEC_TARGETS = {"flax": "flax", "torch": "torch", "mxnet": "mxnet", "keras-tensorflow": "keras",
                "keras-jax": "keras", "keras-torch": "keras"}


def _bench_specs() -> list:
    import unifiedinit as ui
    skip = (ui.FromArray, ui.Eye, ui.Dirac, ui.Bilinear, ui.DeltaOrthogonal)  # fixed values or shapes of their own

    def fits(spec) -> bool:  # a spec that needs another shape (MixedRoPE: (2, ..., n)) has no row, not a crash
        try:
            spec.lower(ui.TensorInfo.make(STRUCTURED_SHAPE, "torch"))
            return True
        except ValueError:
            return False
    return [s for s in ui.specs.examples() if not isinstance(s, skip) and fits(s)]


def _paired(fn, reference, reps: int) -> tuple[float, float]:
    """The median seconds of ``fn`` and of ``reference``, timed alternately after a warm-up of each: the ratio of
    the two does not drift with the machine's load the way two separate measurements do."""
    fn()
    reference()
    mine, theirs = [], []
    for _ in range(reps):
        t = time.perf_counter()
        reference()
        theirs.append(time.perf_counter() - t)
        t = time.perf_counter()
        fn()
        mine.append(time.perf_counter() - t)
    return statistics.median(mine), statistics.median(theirs)


def spec_times(framework: str, reps: int) -> dict:
    """Seconds per draw of every catalog spec on a (4096, 4096) float32 tensor in one framework's native mode
    (orthogonal and sparse on (1024, 1024)), and of the framework's own normal on the same shapes; each spec is
    timed alternately with that normal ("normal@<spec>"), and its ratio is taken against that."""
    times: dict = {}
    specs = _bench_specs()
    normals: dict = {}  # shape -> the framework's own normal draw on it

    def paired(name, shape, fn):
        times[(name, shape)], times[("normal@" + name, shape)] = _paired(fn, normals[shape], reps)

    def shape_of(spec):
        return STRUCTURED_SHAPE if not spec.lower(__import__("unifiedinit").TensorInfo.make(
            STRUCTURED_SHAPE, "torch")).elementwise else SPEC_SHAPE

    if framework == "torch":
        import torch
        from unifiedinit.backends.torch import init_
        torch.set_num_threads(os.cpu_count() or 1)
        g = torch.Generator().manual_seed(0)
        for shape in (SPEC_SHAPE, STRUCTURED_SHAPE):
            n = torch.empty(shape)
            normals[shape] = lambda n=n: n.normal_(generator=g)
            times[("normal", shape)] = _timed(normals[shape], reps)
        for spec in specs:
            t = torch.empty(shape_of(spec))
            paired(repr(spec), shape_of(spec), lambda: init_(t, spec, generator=g))
        t = torch.empty(SPEC_SHAPE)
        paired("torch's own trunc_normal_", SPEC_SHAPE, lambda: torch.nn.init.trunc_normal_(t))
    elif framework == "flax":
        import jax
        import jax.numpy as jnp
        key = jax.random.key(0)

        def jitted(fn, shape):
            f = jax.jit(lambda k: fn(k, shape, jnp.float32))
            return lambda: f(key).block_until_ready()

        for shape in (SPEC_SHAPE, STRUCTURED_SHAPE):
            normals[shape] = jitted(lambda k, sh, dt: jax.random.normal(k, sh, dt), shape)
            times[("normal", shape)] = _timed(normals[shape], reps)
        for spec in specs:
            paired(repr(spec), shape_of(spec), jitted(spec.to_flax(), shape_of(spec)))
        paired("JAX's own lecun_normal", SPEC_SHAPE, jitted(jax.nn.initializers.lecun_normal(), SPEC_SHAPE))
        paired("JAX's own truncated_normal", SPEC_SHAPE, jitted(jax.nn.initializers.truncated_normal(1.0),
                                                                 SPEC_SHAPE))
    elif framework.startswith("keras-"):
        import keras
        backend = keras.backend.backend()

        def ready(x):
            if backend == "jax":
                x.block_until_ready()
            return x

        for shape in (SPEC_SHAPE, STRUCTURED_SHAPE):
            normals[shape] = lambda shape=shape: ready(keras.random.normal(shape, seed=1))
            times[("normal", shape)] = _timed(normals[shape], reps)
        for spec in specs:
            init = spec.to_keras(seed=1)
            paired(repr(spec), shape_of(spec), lambda: ready(init(shape_of(spec))))
        own = keras.initializers.LecunNormal(seed=1)
        paired("Keras's own LecunNormal", SPEC_SHAPE, lambda: ready(own(SPEC_SHAPE)))
    elif framework == "mxnet":
        from unifiedinit.backends.mxnet import init_array  # first: it lets MXNet import under NumPy 2
        import mxnet as mx
        for shape in (SPEC_SHAPE, STRUCTURED_SHAPE):
            n = mx.nd.zeros(shape)
            normals[shape] = lambda shape=shape, n=n: (mx.nd.random.normal(shape=shape, out=n), mx.nd.waitall())
            times[("normal", shape)] = _timed(normals[shape], reps)
        for spec in specs:
            x = mx.nd.zeros(shape_of(spec))
            paired(repr(spec), shape_of(spec), lambda: (init_array(spec, x, layout="torch"), mx.nd.waitall()))
    return {f"{name}|{shape[0]}x{shape[1]}": t for (name, shape), t in times.items()}


def specs_section(reps: int, frameworks: list[str]) -> list[str]:
    """One table: every spec's throughput against the framework's own normal in the same process (higher is
    better: 1.00 = as fast as drawing normals)."""
    results = {}
    for fw in frameworks:
        env = dict(os.environ)
        if fw.startswith("keras-"):
            env["KERAS_BACKEND"] = fw.split("-", 1)[1]
        print(f"specs: {fw} ...", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, __file__, "--spec-times", fw, "--reps", str(reps)],
                              capture_output=True, text=True, env=env)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            results[fw] = None
            continue
        results[fw] = json.loads(proc.stdout.strip().splitlines()[-1])
    rows: list[str] = []
    for fw, r in results.items():
        for name in (r or {}):
            if name not in rows and not name.startswith("normal@"):
                rows.append(name)
    lines = [f"Throughput of each spec's native draw against the framework's own normal on the same shape, in one "
             f"process, the two timed alternately (1.00: as fast as `normal`; higher is faster): "
             f"{SPEC_SHAPE[0]} × {SPEC_SHAPE[1]} float32, "
             f"orthogonal and sparse on {STRUCTURED_SHAPE[0]} × {STRUCTURED_SHAPE[1]}. Targets: truncated normals "
             f"(TruncatedNormal, LecunNormal, VarianceScaling truncated) ≥ 0.9× on torch CPU; in JAX at least "
             f"JAX's own `lecun_normal`.", "",
             "| spec | shape | " + " | ".join(frameworks) + " |", "|---|---|" + "---|" * len(frameworks)]
    for name in rows:
        spec, shape = name.split("|")
        cells = []
        for fw in frameworks:
            r = results.get(fw)
            if not r or name not in r:
                cells.append("—")
                continue
            cells.append(f"{r.get('normal@' + name, r['normal|' + shape]) / r[name]:.2f}")
        lines.append(f"| {spec.replace('|', '/')} | {shape} | " + " | ".join(cells) + " |")
    lines += ["", "Seconds per `normal` draw: " + ", ".join(
        f"{fw} {r['normal|%dx%d' % SPEC_SHAPE]:.3f}" for fw, r in results.items() if r)]
    return lines


# ------------------------------------------------------------------------------------- many small layers

SMALL_LAYERS, SMALL_WIDTH = 500, 64  # 500 x Linear(64, 64): 1000 tensors, 2.1 M parameters
SMALL_BLOCK = 8  # consecutive calls per measurement


def small_section(reps: int) -> list[str]:
    """The plan's fixed cost per parameter: 500 x Linear(64, 64) in one process on one intra-op thread, torch's own
    ``reset_parameters`` of every module against ``presets.torch`` seeded and unseeded (the three interleaved, the
    median of many blocks of consecutive calls), and where a seeded plan's time goes: torch's RNG itself (the same
    ``uniform_`` calls, each on its re-seeded generator), the walk, the resolve (keys, matching, lowering, checks)
    and the rest (stream ids, sampler dispatch, the report, the young collection after the call). Run in a process
    of its own (``small_in_child``)."""
    import gc

    import torch
    from torch import nn

    import unifiedinit as ui
    from unifiedinit import draws
    from unifiedinit.apply import gc_paused, stream
    from unifiedinit.backends.torch import model as torch_model
    torch.set_num_threads(1)
    model = nn.Sequential(*[nn.Linear(SMALL_WIDTH, SMALL_WIDTH) for _ in range(SMALL_LAYERS)])
    plan = ui.presets.torch

    def own() -> None:
        for module in model.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()

    found = torch_model.walk(model)
    report = plan.resolve([p for p, _ in found])
    handles = {p.path: t for p, t in found}
    draws_of = [(handles[e.param.path], e.draw, stream(0, e.param.key)) for e in report.entries]
    assert all(isinstance(d, draws.Uniform) for _, d, _ in draws_of)  # presets.torch on Linear: uniform only
    generator = torch.Generator()

    def rng() -> None:
        with torch.no_grad():
            for t, d, s in draws_of:
                generator.manual_seed(s)
                t.uniform_(d.low, d.high, generator=generator)

    runs: dict[str, list[float]] = {name: [] for name in ("own", "seeded", "unseeded", "rng", "walk", "resolve")}

    def walk() -> None:
        with gc_paused():  # as in the apply loop
            torch_model.target(model, seed=0)

    def resolve() -> None:
        with gc_paused():
            plan._resolve([p for p, _ in torch_model.walk(model)], fresh=True)

    calls = {"own": own, "seeded": lambda: plan.apply(model, seed=0), "unseeded": lambda: plan.apply(model),
             "rng": rng, "walk": walk, "resolve": resolve}
    for fn in calls.values():
        fn()  # warm
    collected = {"count": 0, "seconds": 0.0, "since": 0.0}

    def collections(phase: str, info: dict) -> None:  # hooked in only while the seeded blocks run
        if phase == "start":
            collected["since"] = time.thread_time()
        else:
            collected["count"] += 1
            collected["seconds"] += time.thread_time() - collected["since"]

    for _ in range(max(5, 5 * reps)):
        for name, fn in calls.items():
            # this thread's CPU time (everything runs on it, and other load is not counted) per call over a block of
            # consecutive calls: what a call leaves behind (a garbage collection it triggers) is counted too
            hooks = [collections] if name == "seeded" else []
            gc.callbacks.extend(hooks)
            start = time.thread_time()
            for _ in range(SMALL_BLOCK):
                fn()
            runs[name].append((time.thread_time() - start) / SMALL_BLOCK)
            for hook in hooks:
                gc.callbacks.remove(hook)
    seeded_calls = SMALL_BLOCK * len(runs["seeded"])
    med = {name: statistics.median(ts) for name, ts in runs.items()}
    med["resolve"] -= med["walk"]  # timed with the walk that makes its records
    rest = med["seeded"] - med["rng"] - med["walk"] - med["resolve"]
    n = len(found)
    return [f"{SMALL_LAYERS} × Linear({SMALL_WIDTH}, {SMALL_WIDTH}), {n} tensors, one intra-op thread, medians of "
            f"{len(runs['own'])} interleaved blocks of {SMALL_BLOCK} calls, CPU time per call of the one thread that "
            f"does all the work (target: a "
            f"plan ≤ 1.3× torch's own `reset_parameters`):", "",
            "| what | ms | vs own | µs per tensor |", "|---|---|---|---|"] + [
        f"| {label} | {med[name] * 1e3:.1f} | **{med[name] / med['own']:.2f}** | {med[name] / n * 1e6:.1f} |"
        for name, label in (("own", "torch's own `reset_parameters`"), ("seeded", "`presets.torch.apply(seed=0)`"),
                            ("unseeded", "`presets.torch.apply()`"))] + [
        "", f"Where a seeded plan's time goes: torch's RNG itself (the same `uniform_` calls, each generator "
        f"re-seeded) {med['rng'] * 1e3:.1f} ms, walking the model {med['walk'] * 1e3:.1f} ms, resolving (keys, "
        f"matching, lowering, checks) {med['resolve'] * 1e3:.1f} ms, and the rest (stream ids, sampler dispatch, "
        f"the report, the young garbage collection after the call) {rest * 1e3:.1f} ms. Garbage collections: "
        f"{collected['count'] / seeded_calls:.2f} per seeded call, "
        f"{collected['seconds'] / seeded_calls * 1e3:.2f} ms of it on average (the plan holds the collector off "
        f"while it runs; what is left starts after it returns)."]


def small_in_child(reps: int) -> list[str]:
    """``small_section`` in a fresh process with only torch imported, as a torch user runs it: the bench's own
    process has imported JAX by then (whose garbage-collection callback runs at every collection) and holds more
    objects, which would change what a collection costs."""
    proc = subprocess.run([sys.executable, __file__, "--small-lines", "--reps", str(reps)], capture_output=True,
                          text=True)
    if proc.returncode:
        print(proc.stderr[-3000:], file=sys.stderr)
        return ["Not run: the section's process failed (its error is above)."]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------- large models

LARGE_LAYERS, LARGE_WIDTH = 24, 2048  # 24 x Linear(2048, 2048): 100.7 M parameters


def large_local(reps: int) -> dict:
    """One process: portable values against torch's normal_ on an (8192, 8192) float32 tensor (whole, and one
    quarter block as a Shard(0) rank computes it), and building with empty_init() then drawing once against
    building normally then applying the same plan."""
    import torch
    from torch import nn

    import unifiedinit as ui
    from unifiedinit.backends.torch import empty_init
    from unifiedinit.reference import portable
    t = torch.empty(8192, 8192)
    spec = ui.Normal(0, 1)
    # each timed alternately with what it is compared to: this machine's speed drifts (a shared host), and two
    # separate measurements drifted the whole tensor's ratio between 1.43 and 1.98 in one session. The median of
    # reps + 2 pairs: single deferred pairs ranged from 0.39 to 0.98 in one process (a slow round of page faults)
    reps = reps + 2
    out: dict[str, float] = {"reps": reps}
    out["portable"], out["normal_"] = _paired(
        lambda: ui.backends.torch.init_(t, spec, portable=ui.Portable(0, "w")), lambda: t.normal_(), reps)
    out["portable_quarter"], out["normal_quarter"] = _paired(
        lambda: portable(spec, (8192, 8192), seed=0, key="w", index=(slice(0, 2048), slice(None))),
        lambda: t.normal_(), reps)
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        # the same pair on one core: NumPy's chunks divide among the cores, torch's normal_ runs on one either way
        allowed = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(allowed)})
        try:
            out["portable_one_core"], out["normal_one_core"] = _paired(
                lambda: ui.backends.torch.init_(t, spec, portable=ui.Portable(0, "w")), lambda: t.normal_(), reps)
        finally:
            os.sched_setaffinity(0, allowed)

    def build():
        return nn.Sequential(*[nn.Linear(LARGE_WIDTH, LARGE_WIDTH) for _ in range(LARGE_LAYERS)])

    def normally():
        ui.presets.flax.apply(build(), seed=0)

    def deferred():
        with empty_init():
            model = build()
        ui.presets.flax.apply(model, seed=0, device="cpu")

    out["empty_init_then_apply"], out["build_then_apply"] = _paired(deferred, normally, reps)
    return out


def large_counter(reps: int) -> dict:
    """The counter stream (``portable="counter"``) against each framework's own normal on as many entries: torch
    computing one Shard(0) quarter of an (8192, 8192) tensor, as a rank does, against ``normal_`` on a tensor of
    that size; JAX's jitted function on a (4096, 4096) tensor against a jitted ``jax.random.normal``."""
    import jax
    import torch

    import unifiedinit as ui
    from unifiedinit.backends.torch.ops import TorchArith, TorchOps
    from unifiedinit.counter import counter_key, values
    spec, key = ui.Normal(0, 1), counter_key(0, "w")
    quarter = torch.empty(2048, 8192)

    def torch_block():
        quarter.copy_(values(TorchOps(None), TorchArith(), spec, (8192, 8192), layout="torch", key=key,
                             dtype_name="float32", dtype=torch.float32, block=((0, 2048), (0, 8192))))
    out: dict[str, float] = {}
    out["torch"], out["normal_"] = _paired(torch_block, lambda: quarter.normal_(), reps)
    shape = (4096, 4096)
    normal = jax.jit(lambda k: jax.random.normal(k, shape))
    k = jax.random.key(0)
    out["jax"], out["jax.random.normal"] = _paired(jax_counter(shape), lambda: normal(k).block_until_ready(), reps)
    return out


def jax_counter(shape: tuple[int, int]):
    """A call that computes the counter stream's Normal(0, 1) values of key (0, "w") for ``shape`` in the one jitted
    function a JAX plan uses (on the default device) and waits for them."""
    import jax.numpy as jnp

    import unifiedinit as ui
    from unifiedinit.backends.flax.ops import _counter_fn, x64
    from unifiedinit.counter import counter_key
    fn = _counter_fn((ui.Normal(0, 1), "torch", shape, "float32", None, None, None), None)
    key = counter_key(0, "w")
    words = (jnp.uint32(key[0]), jnp.uint32(key[1]))

    def call():
        with x64():
            fn(words, jnp.uint64(0)).block_until_ready()
    return call


def _sharded_rank(rank: int, world: int, port: int, portable: bool, reps: int, queue) -> None:
    import torch
    import torch.distributed as dist
    from torch import nn
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    import unifiedinit as ui
    from torch.distributed.fsdp import fully_shard
    model = nn.Sequential(*[nn.Linear(LARGE_WIDTH, LARGE_WIDTH) for _ in range(LARGE_LAYERS)])
    if world > 1:
        for layer in model:
            fully_shard(layer)
        fully_shard(model)
    walls, cpus = [], []
    for i in range(reps + 1):
        dist.barrier()
        w, c = time.perf_counter(), time.process_time()
        ui.presets.flax.apply(model, seed=0, portable=portable)
        if i:
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
    queue.put((rank, statistics.median(walls), statistics.median(cpus)))
    dist.barrier()
    dist.destroy_process_group()


def large_sharded(world: int, portable: bool, reps: int) -> dict:
    """The per-rank time of a plan on an FSDP2 model of ``world`` gloo ranks (one thread each): the slowest rank's
    wall time and CPU time."""
    import socket

    import torch.multiprocessing as mp
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    procs = [ctx.Process(target=_sharded_rank, args=(r, world, port, portable, reps, queue)) for r in range(world)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return {"wall": max(r[1] for r in results), "cpu": max(r[2] for r in results)}


def jax_sharded(reps: int) -> dict:
    """In a process with 8 host CPU devices (``--jax-sharded``): a Flax tree of 8 (1024, 1024) kernels, abstract,
    sharded P("data", "model") on a (4, 2) mesh against the same tree on one device, for an elementwise draw
    (Normal) and one that needs the whole tensor (Orthogonal), native and portable; each the median of ``reps``
    after a first call (which compiles what a plan keeps)."""
    import jax
    import jax.numpy as jnp
    from jax.sharding import NamedSharding, PartitionSpec

    import unifiedinit as ui
    mesh = jax.make_mesh((4, 2), ("data", "model"))
    out: dict[str, float] = {}
    for spec in (ui.Normal(0, 0.02), ui.Orthogonal()):
        plan = ui.Plan().rule(spec)
        for where in ("one", "mesh"):
            sharding = NamedSharding(mesh, PartitionSpec("data", "model")) if where == "mesh" else None
            tree = {"params": {f"Dense_{i}": {"kernel": jax.ShapeDtypeStruct((1024, 1024), jnp.float32,
                                                                           sharding=sharding)} for i in range(8)}}
            for portable in (False, True):
                def call() -> None:
                    jax.block_until_ready(plan.apply(tree, seed=0, portable=portable)[0])
                out[f"{type(spec).__name__} {'portable' if portable else 'native'} {where}"] = _timed(call, reps)
    return out


def large_jax(reps: int) -> list[str]:
    # 8 host CPU devices, whatever accelerator this JAX has (the row is about the CPU)
    flags = " ".join(filter(None, (os.environ.get("XLA_FLAGS"), "--xla_force_host_platform_device_count=8")))
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=flags)
    proc = subprocess.run([sys.executable, __file__, "--jax-sharded", "--reps", str(reps)], capture_output=True,
                          text=True, env=env, check=True)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    lines = ["JAX: a plan on an abstract Flax tree of 8 (1024, 1024) kernels sharded P(\"data\", \"model\") on a "
             "(4, 2) mesh of 8 host CPU devices, against the same tree on one device (the median of "
             f"{reps} calls after a first, which compiles what a plan keeps). The 8 devices share this machine's "
             "cores, so the mesh's wall time is all shards' work; on 8 real devices each does an eighth of the "
             "elementwise draws. A draw that needs the whole tensor is computed once and laid out.", "",
             "| spec | mode | one device s | 8-device mesh s |", "|---|---|---|---|"]
    for spec in ("Normal", "Orthogonal"):
        for mode in ("native", "portable"):
            lines.append(f"| {spec} | {mode} | {got[f'{spec} {mode} one']:.3f} | {got[f'{spec} {mode} mesh']:.3f} |")
    return lines


def large_section(reps: int) -> list[str]:
    from unifiedinit.reference import cores
    local, counter = large_local(reps), large_counter(reps)
    lines = ["Portable values against torch's `normal_` on one (8192, 8192) float32 tensor (targets: portable "
             "≤ 1.5× `normal_`), and one rank's quarter block of it (Shard(0) of 4):", "",
             "| what | s | vs `normal_` |", "|---|---|---|",
             f"| torch `normal_` | {local['normal_']:.3f} | 1.00 |",
             f"| portable, whole tensor | {local['portable']:.3f} | **{local['portable'] / local['normal_']:.2f}** |",
             f"| portable, one quarter block | {local['portable_quarter']:.3f} | "
             f"**{local['portable_quarter'] / local['normal_quarter']:.2f}** |"]
    if "portable_one_core" in local:
        lines.append(f"| portable, whole tensor, on one core | {local['portable_one_core']:.3f} | "
                     f"**{local['portable_one_core'] / local['normal_one_core']:.2f}** |")
    one_core = (f"; the one-core row, its thread pinned to one core, with one there, {local['normal_one_core']:.3f} s"
                if "normal_one_core" in local else "")
    lines += ["", "Each row is timed alternately with `normal_` (the quarter block with a `normal_` of its own, "
              f"{local['normal_quarter']:.3f} s{one_core}), the median of {local['reps']} of each. NumPy "
              f"draws the chunks on {cores()} threads here, one per core, and torch's `normal_` runs on "
              "one: the whole tensor's ratio is about the one-core ratio divided by the number of cores.", "",
              "The counter stream (`portable=\"counter\"`, computed by the framework itself, a shard its own entries) "
              "against the framework's own normal on as many entries (16.8 M): torch on one Shard(0) quarter of the "
              "(8192, 8192) tensor, JAX's jitted function on a (4096, 4096) one, each timed alternately with its own "
              "normal. On a CPU torch runs its hundred-odd operations one kernel at a time; XLA fuses them into one "
              "loop.", "",
              "| framework | counter s | own normal s | counter / own |", "|---|---|---|---|",
              f"| torch (CPU, eager) | {counter['torch']:.3f} | {counter['normal_']:.3f} | "
              f"**{counter['torch'] / counter['normal_']:.1f}** |",
              f"| JAX (CPU, jit) | {counter['jax']:.3f} | {counter['jax.random.normal']:.3f} | "
              f"**{counter['jax'] / counter['jax.random.normal']:.2f}** |", "",
              f"Deferred init on {LARGE_LAYERS} × Linear({LARGE_WIDTH}, {LARGE_WIDTH}) (target ≤ 0.6×): build "
              f"normally then apply `presets.flax` {local['build_then_apply']:.3f} s; `empty_init()` then apply with "
              f"`device=\"cpu\"` {local['empty_init_then_apply']:.3f} s (the two timed alternately, the median of "
              f"{local['reps']}): "
              f"**{local['empty_init_then_apply'] / local['build_then_apply']:.2f}×**.", "",
              "Sharded: `presets.flax` on the same stack under FSDP2 (gloo, one thread per rank), the slowest rank "
              "against one unsharded rank (target ≤ 0.35× on 4 ranks). This machine has 2 cores, so 4 ranks share "
              "them: the CPU time per rank is the work each does, the wall time includes waiting for a core.", "",
              "| mode | ranks | wall s | vs 1 rank | CPU s per rank | vs 1 rank |", "|---|---|---|---|---|---|"]
    for portable in (False, True):
        one = large_sharded(1, portable, max(1, reps - 1))
        for world in (1, 2, 4):
            r = one if world == 1 else large_sharded(world, portable, max(1, reps - 1))
            lines.append(f"| {'portable' if portable else 'native'} | {world} | {r['wall']:.3f} | "
                         f"**{r['wall'] / one['wall']:.2f}** | {r['cpu']:.3f} | **{r['cpu'] / one['cpu']:.2f}** |")
    return lines + [""] + large_jax(reps)


GPU_LAYERS = [("embedding", (50257, 2048))] + [("dense", shape) for _ in range(20) for shape in
                                                ((3 * 2048, 2048), (2048, 2048), (4 * 2048, 2048), (2048, 4 * 2048))]
def device_specs() -> list[tuple]:
    """(label, spec, the framework's own draw it is timed against: "normal" or "uniform") for the GPU rows."""
    import unifiedinit as ui
    return [("TruncatedNormal(std=1, -2, 2)", ui.TruncatedNormal(0.0, 1.0, -2.0, 2.0), "normal"),
            ("LecunNormal", ui.LecunNormal(), "normal"),
            ("VarianceScaling(2, fan_in, truncated_normal)", ui.VarianceScaling(2.0, "fan_in", "truncated_normal"),
             "normal"),
            ("Normal(0.1, 0.5)", ui.Normal(0.1, 0.5), "normal"),
            ("Mixture (the seeds' three components)",
             ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25]), "normal"),
            ("Uniform(-0.3, 0.7)", ui.Uniform(-0.3, 0.7), "uniform"),
            ("XavierUniform", ui.XavierUniform(), "uniform"),
            ("KaimingUniform(a=sqrt 5)", ui.KaimingUniform(a=5 ** 0.5), "uniform"),
            ("LecunUniform", ui.LecunUniform(), "uniform")]


def device_section(reps: int, device: str = "cuda", quick: bool = False) -> list[str]:
    """The accelerator rows of the targets, on ``device`` ("cuda": torch's GPU and JAX's "gpu" platform), when
    there is one: every sampler against the framework's own ``normal_`` / ``uniform_`` on a (16384, 16384) tensor
    (paired, each timed alternately with its reference), whether any draw or plan syncs with the host
    (``torch.cuda.set_sync_debug_mode("error")``), a 1.0 B-parameter GPT-shaped stack (d=2048, 20 blocks: native
    init, the plan, portable mode in both streams, and build-with-``empty_init()``-then-plan against
    build-then-apply), and JAX's jitted samplers and counter stream against ``jax.random.normal``.
    ``device="cpu"`` with ``quick`` runs the same code on small shapes (the test suite's smoke run, so the section
    works on the day a GPU is lent); its figures mean nothing."""
    import unifiedinit as ui
    side, layers = (1024, gpt2(True)) if quick else (16384, GPU_LAYERS)
    lines: list[str] = []
    torch_ok = jax_ok = False
    try:
        import torch
        torch_ok = device == "cpu" or torch.cuda.is_available()
    except ImportError:
        torch = None  # type: ignore[assignment]
    def torch_rows() -> None:
        nonlocal lines
        from torch import nn

        from unifiedinit.backends.torch import empty_init, init_
        cuda = device != "cpu"
        sync = torch.cuda.synchronize if cuda else (lambda: None)

        def timed(fn):
            return _timed(lambda: (fn(), sync()), reps)

        def syncs(fn, clean: str) -> str:
            """What ``torch.cuda.set_sync_debug_mode("error")`` says while ``fn`` runs: ``clean``, or its error."""
            if not cuda:
                return "not checked (CPU)"
            torch.cuda.set_sync_debug_mode("error")
            try:
                fn()
                return clean
            except RuntimeError as err:
                return f"**{str(err).splitlines()[0][:80]}**"
            finally:
                torch.cuda.set_sync_debug_mode("default")

        t = torch.empty(side, side, device=device)
        g = torch.Generator(device).manual_seed(0)
        own = {"normal": lambda: (t.normal_(generator=g), sync()),
               "uniform": lambda: (t.uniform_(generator=g), sync())}
        name = torch.cuda.get_device_name() if cuda else "CPU (smoke run)"
        lines += [f"torch {torch.__version__} on {name}. Samplers on a ({side}, {side}) float32 tensor, each timed "
                  f"alternately with torch's own draw (throughput against it: 1.00 is as fast; targets: truncated "
                  f"normals ≥ 0.8, Mixture ≥ 0.5, uniform specs ≥ 0.9 of `uniform_`). \"host sync\": what "
                  f"`torch.cuda.set_sync_debug_mode(\"error\")` said during the draw.", "",
                  "| spec | against | ms | own ms | throughput vs own | host sync |", "|---|---|---|---|---|---|"]
        for label, spec, against in device_specs() + [("torch's own trunc_normal_", None, "normal")]:
            fn = (lambda spec=spec: (init_(t, spec, generator=g), sync())) if spec is not None else \
                (lambda: (nn.init.trunc_normal_(t, generator=g), sync()))
            mine, theirs = _paired(fn, own[against], reps)
            synced = "—" if spec is None else syncs(lambda spec=spec: init_(t, spec, generator=g), "none")
            lines.append(f"| {label} | `{against}_` | {mine * 1e3:.2f} | {theirs * 1e3:.2f} | "
                         f"**{theirs / mine:.2f}** | {synced} |")
        model = build_torch(layers, device=device)
        plan = plan_for("gpt2")
        n = n_params(layers)
        nat = timed(lambda: native_torch(model, "gpt2"))
        pl = timed(lambda: plan.apply(model, seed=0))
        synced = syncs(lambda: (plan.apply(model, seed=0), plan.apply(model)), "none (seeded and unseeded)")
        po = timed(lambda: plan.apply(model, seed=0, portable=True))
        pc = timed(lambda: plan.apply(model, seed=0, portable="counter"))
        peak = ""
        if cuda:
            sync()
            base = torch.cuda.memory_allocated()
            torch.cuda.reset_peak_memory_stats()
            native_torch(model, "gpt2")
            sync()
            native_peak = torch.cuda.max_memory_allocated() - base
            torch.cuda.reset_peak_memory_stats()
            plan.apply(model, seed=0)
            sync()
            peak = (f" Device memory beyond the parameters while drawing: native {native_peak / 2 ** 20:.0f} MiB, "
                    f"plan {(torch.cuda.max_memory_allocated() - base) / 2 ** 20:.0f} MiB.")

        def normally():
            plan.apply(build_torch(layers, device=device), seed=0)
            sync()

        def deferred():
            with empty_init():
                model = build_torch(layers)
            plan.apply(model, seed=0, device=device)
            sync()
        built, empty = _timed(normally, max(1, reps - 1)), _timed(deferred, max(1, reps - 1))
        lines += ["", f"A GPT-shaped stack of {n / 1e9:.2f} B parameters ({n / 1e6:.1f} M) on {device} (the GPT-2 "
                  f"plan of the table above: N(0, 0.02) weights and embeddings, zero biases, LayerNorms 1/0), against "
                  f"the same init written with `nn.init` per module "
                  f"(targets: plan ≤ 1.1×; portable ≤ 1.5×; `empty_init()` then plan ≤ 0.6× building then "
                  f"applying):", "", "| what | s | vs native |", "|---|---|---|",
                  f"| native (`nn.init` per module) | {nat:.3f} | 1.00 |",
                  f"| plan, seeded | {pl:.3f} | **{pl / nat:.2f}** |",
                  f"| portable=True (host, then copied) | {po:.3f} | **{po / nat:.2f}** |",
                  f"| portable=\"counter\" (on the device) | {pc:.3f} | **{pc / nat:.2f}** |", "",
                  f"Host syncs during a plan: {synced}.{peak} Building then applying the plan {built:.3f} s; "
                  f"`empty_init()` then the plan with `device=\"{device}\"` {empty:.3f} s: "
                  f"**{empty / built:.2f}×**.", ""]
    try:
        import jax
        platform = "cpu" if device == "cpu" else "gpu"
        found = [d for d in jax.devices() if d.platform == platform]
        jax_ok = bool(found)
    except Exception:
        found = []
    def jax_rows() -> None:
        nonlocal lines
        import jax.numpy as jnp

        shape = (side, side)
        with jax.default_device(found[0]):
            key = jax.random.key(0)

            def jitted(init):
                f = jax.jit(lambda k: init(k, shape, jnp.float32))
                return lambda: f(key).block_until_ready()
            normal = jitted(lambda k, sh, dt: jax.random.normal(k, sh, dt))
            cases = [("LecunNormal", jitted(ui.LecunNormal().to_flax())),
                     ("TruncatedNormal(std=1, -2, 2)", jitted(ui.TruncatedNormal(0.0, 1.0, -2.0, 2.0).to_flax())),
                     ("VarianceScaling(2, fan_in, truncated_normal)",
                      jitted(ui.VarianceScaling(2.0, "fan_in", "truncated_normal").to_flax())),
                     ("JAX's own lecun_normal", jitted(jax.nn.initializers.lecun_normal())),
                     ("JAX's own truncated_normal", jitted(jax.nn.initializers.truncated_normal(1.0)))]
            cases.append(("portable=\"counter\" Normal(0, 1) (jitted)", jax_counter(shape)))
            lines += [f"JAX {jax.__version__} on {found[0].device_kind}: jitted draws of a ({side}, {side}) float32 "
                      f"array, each timed alternately with `jax.random.normal` (target: ours at least JAX's own "
                      f"`lecun_normal`).", "", "| draw | ms | normal ms | throughput vs normal |", "|---|---|---|---|"]
            for label, case in cases:
                mine, theirs = _paired(case, normal, reps)
                lines.append(f"| {label} | {mine * 1e3:.2f} | {theirs * 1e3:.2f} | **{theirs / mine:.2f}** |")
    for ok, rows in ((torch_ok, torch_rows), (jax_ok, jax_rows)):
        if ok:
            try:
                rows()  # its arrays are freed when it returns
                if rows is torch_rows and device != "cpu":
                    torch.cuda.empty_cache()  # the device's memory back for JAX
            except Exception as err:  # one framework's failure keeps the other's rows: a GPU run is one shot
                import traceback
                traceback.print_exc()
                lines += ["", f"Failed: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}", ""]
    if not (torch_ok or jax_ok):
        return ["Not run: no GPU on this machine (the section runs by itself where torch or JAX sees one; "
                "`benchmarks/gpu.sh` runs it and the GPU tests in one go)."]
    return lines


def import_time(reps: int = 7) -> dict:
    """The best of ``reps`` fresh interpreters importing unifiedinit, against a bare start, with compiled bytecode
    cached (in a temporary folder) as an installed package has it: under ``PYTHONDONTWRITEBYTECODE`` every start
    would compile the package's source again (45–83 ms over a bare start here, against 12–21 ms cached)."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as cache:
        env = {k: val for k, val in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache

        def start(code: str) -> float:
            s = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            return time.perf_counter() - s
        start("import unifiedinit")  # compiles and caches
        times = [(start("pass"), start("import unifiedinit")) for _ in range(reps)]  # alternately: load drifts
        bare, ui = min(t[0] for t in times), min(t[1] for t in times)
    mods = subprocess.run([sys.executable, "-c", "import sys; before = set(sys.modules); import unifiedinit; "
                           "print(' '.join(sorted(m for m in set(sys.modules) - before if not m.startswith('unifiedinit'))))"],
                          capture_output=True, text=True, check=True).stdout.split()
    return {"bare_ms": bare * 1e3, "import_ms": ui * 1e3, "over_bare_ms": (ui - bare) * 1e3, "modules": mods}


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for pkg in ("numpy", "torch", "jax", "flax", "keras", "tensorflow-cpu", "mxnet"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


#: what each name of --frameworks (and each column of the specs table) needs installed
NEEDS = {"torch": ("torch",), "flax": ("jax", "flax"), "keras": ("keras",), "mxnet": ("mxnet",),
         "keras-tensorflow": ("keras", "tensorflow"), "keras-jax": ("keras", "jax"), "keras-torch": ("keras", "torch")}
#: what each torch section needs: torch, and for the large models JAX and Flax too (their JAX rows)
SECTION_NEEDS = {"small": ("torch",), "large": ("torch", "flax"), "trunc_normal": ("torch",)}


def installed(name: str) -> bool:
    """Whether ``name`` (a key of ``NEEDS``, or a module) can be imported here: its modules are found, not
    imported."""
    import importlib.util
    return all(importlib.util.find_spec(m) is not None for m in NEEDS.get(name, (name,)))


def runnable(section: str, frameworks: list[str]) -> str | None:
    """None when ``section`` (a key of ``SECTION_NEEDS``) can run with ``frameworks`` asked for; else why not."""
    for name in SECTION_NEEDS[section]:
        if not installed(name):
            return f"Not run: it needs {name}, which is not installed."
        if name not in frameworks:
            return f"Not run: it needs {name}, which --frameworks leaves out."
    return None


def spec_targets(frameworks: list[str]) -> list[str]:
    """The columns of the specs table: those of ``SPEC_TARGETS`` whose framework is asked for and installed."""
    return [t for t, fw in SPEC_TARGETS.items() if fw in frameworks and installed(t)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller models and fewer repetitions")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--frameworks", default="torch,flax,keras,mxnet",
                        help="comma-separated: torch, flax, keras, mxnet (those not installed are skipped, said on "
                             "stderr)")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"),
                        help="the results file (made with its folder when missing; a section is added to it)")
    parser.add_argument("--section", choices=["large", "specs", "small", "gpu"],
                        help="run one section and rewrite it in --out")
    parser.add_argument("--device", default="cuda", help="--section gpu: the device (cpu: a smoke run with --quick)")
    parser.add_argument("--spec-times", metavar="FRAMEWORK", help=argparse.SUPPRESS)
    parser.add_argument("--one", nargs=2, metavar=("FRAMEWORK", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--real", nargs=2, metavar=("FRAMEWORK", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--small-lines", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--jax-sharded", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    reps = args.reps or (2 if args.quick else 3)
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], reps, args.quick)))
        return 0
    if args.real:
        print(json.dumps(one_real(args.real[0], args.real[1], reps, args.quick)))
        return 0
    if args.small_lines:
        print(json.dumps(small_section(reps)))
        return 0
    if args.spec_times:
        print(json.dumps(spec_times(args.spec_times, reps)))
        return 0
    if args.jax_sharded:
        print(json.dumps(jax_sharded(reps)))
        return 0
    asked = [fw.strip() for fw in args.frameworks.split(",") if fw.strip()]
    unknown = [fw for fw in asked if fw not in ("torch", "flax", "keras", "mxnet")]
    if not asked or unknown:
        parser.error(f"--frameworks {args.frameworks!r}: choose from torch, flax, keras, mxnet")
    folder = os.path.dirname(os.path.abspath(args.out))
    try:  # a results file that cannot be written is said before anything is measured
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        parser.error(f"--out {args.out}: cannot make its folder ({err.strerror})")
    if os.path.isdir(args.out) or not os.access(folder, os.W_OK) or \
            (os.path.exists(args.out) and not os.access(args.out, os.W_OK)):
        parser.error(f"--out {args.out}: cannot write there; choose a writable file path")
    if args.section in ("small", "large"):
        why = runnable(args.section, ["torch", "flax"])  # a section by itself: --frameworks does not narrow it
        if why:
            parser.error(f"--section {args.section}: {why[len('Not run: '):]}")
    if args.section == "specs":
        replace_section(args.out, "Every spec against the framework's own normal (CPU)",
                        specs_section(reps, spec_targets(list(NEEDS))))
        return 0
    if args.section == "small":
        replace_section(args.out, "Plan overhead on many small layers (torch, CPU)", small_in_child(reps))
        return 0
    if args.section == "large":
        replace_section(args.out, "Large models: meta and sharded (torch, CPU)", large_section(reps))
        return 0
    if args.section == "gpu":
        replace_section(args.out, "GPU (torch and JAX)", device_section(reps, args.device, args.quick))
        return 0
    for fw in asked:
        if not installed(fw):
            print(f"{fw}: not installed, skipped", file=sys.stderr, flush=True)
    frameworks = [fw for fw in asked if installed(fw)]
    results: dict = {}
    for model in MODELS:
        for fw in frameworks:
            print(f"{fw} {model} ...", file=sys.stderr, flush=True)
            proc = subprocess.run([sys.executable, __file__, "--one", fw, model, "--reps", str(reps)]
                                  + (["--quick"] if args.quick else []), capture_output=True, text=True)
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                results[(fw, model)] = None
                continue
            results[(fw, model)] = json.loads(proc.stdout.strip().splitlines()[-1])
    real: dict = {}
    for fw, names in REAL.items():
        if fw not in frameworks:
            continue
        for name in names:
            print(f"{fw} {name} (real) ...", file=sys.stderr, flush=True)
            proc = subprocess.run([sys.executable, __file__, "--real", fw, name, "--reps", str(reps + 2)]
                                  + (["--quick"] if args.quick else []), capture_output=True, text=True)
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                real[(fw, name)] = None
                continue
            real[(fw, name)] = json.loads(proc.stdout.strip().splitlines()[-1])
    # each torch section only where torch (and what else it needs) is installed and asked for: else a line why
    tn = runnable("trunc_normal", asked) or trunc_normal(reps + 2, 1 << (20 if args.quick else 24))
    imp = import_time()
    gpu = device_section(reps)
    large = [why] if (why := runnable("large", asked)) else large_section(reps)
    small = [why] if (why := runnable("small", asked)) else small_in_child(reps)
    targets = spec_targets(frameworks)
    specs = specs_section(reps, targets) if targets else ["Not run: none of its frameworks is asked for and installed."]
    write(args, results, tn, imp, reps, gpu, real, large, small, specs)
    return 0


def replace_section(path: str, title: str, lines: list[str]) -> None:
    """Rewrite one ``## title`` section of RESULTS.md (up to the next ``## ``) with ``lines``, printed first (so a
    write that fails loses nothing measured). A missing file (and its folder) is made, holding that section."""
    head = f"## {title}"
    print("\n".join([head, "", *lines]), flush=True)
    try:
        with open(path) as f:
            text = f.read().split("\n")
    except FileNotFoundError:
        text = []
    if head in text:
        start = text.index(head)
        end = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ")), len(text))
    else:  # a new section goes before the GPU one
        start = end = text.index("## GPU (torch and JAX)") if "## GPU (torch and JAX)" in text else len(text)
    new = text[:start] + [head, "", *lines, ""] + text[end:]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(new).rstrip("\n") + "\n")


def write(args, results, tn, imp, reps, gpu, real=None, large=None, small=None, specs=None) -> None:
    """Write every section to ``args.out`` (made with its folder when missing), printed first. ``tn``: the
    truncated-normal rates, or the line that says why they were not measured (no torch)."""
    lines = ["# unifiedinit benchmarks", "",
             f"Command: `{' '.join(['.venv/bin/python', 'benchmarks/bench.py'] + sys.argv[1:])}`  ",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, Python "
             f"{platform.python_version()}, no GPU  ",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + "  ",
             f"Median of {reps} repetitions after a warm-up, each framework and model in its own process.  ",
             "The targets, the ones missed here, why, and what would reach them: benchmarks/README.md.", "",
             "## Native code vs a unifiedinit plan vs portable mode", "",
             "| framework | model | params | native s | plan s | plan/native | portable s | portable/native | "
             "native peak MB | plan peak MB | params MB | plan M params/s | fill M params/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (fw, model), r in results.items():
        if r is None:
            lines.append(f"| {fw} | {model} | failed (see stderr) |||||||||||")
            continue
        n, nat, pl, po = r["params"], r["native"]["seconds"], r["plan"]["seconds"], r["portable"]["seconds"]
        lines.append(f"| {fw} | {model} | {n / 1e6:.1f} M | {nat:.3f} | {pl:.3f} | **{pl / nat:.2f}** | {po:.3f} | "
                     f"**{po / nat:.2f}** | {r['native']['peak_extra_mb']:.0f} | {r['plan']['peak_extra_mb']:.0f} | "
                     f"{n * 4 / 2 ** 20:.0f} | {n / pl / 1e6:.0f} | {n / r['fill_seconds'] / 1e6:.0f} |")
    lines += ["", "## Build and initialize (torch)", "",
              "| model | seeds: build (default init) then apply | meta device, plan writes once | ratio |", "|---|---|---|---|"]
    for (fw, model), r in results.items():
        if fw == "torch" and r:
            a, b = r["build_then_apply"]["seconds"], r["build_meta_plan"]["seconds"]
            lines.append(f"| {model} | {a:.3f} s | {b:.3f} s | **{b / a:.2f}** |")
    if not any(fw == "torch" and r for (fw, _), r in results.items()):
        lines[-2:] = [tn if isinstance(tn, str) else "Not run: the torch cells failed (their error is on stderr)."]
    lines += ["", "## Real models: a framework's preset against its own init", "",
              "Hugging Face's ResNet-50 and GPT-2 small (torch, built from their configs: `presets.torch` against "
              "`reset_parameters` of every module that has one, and GPT-2's Conv1D constructor init); keras.applications' ResNet50 and MobileNetV3Small "
              "(`presets.keras` against each layer's own initializers assigned to its variables). Target: 1.3x.", "",
              "| framework | model | params | own init s | preset s | preset/own |", "|---|---|---|---|---|---|"]
    for (fw, name), r in (real or {}).items():
        if r is None:
            lines.append(f"| {fw} | {name} | failed (see stderr) ||||")
            continue
        own, pre = r["own"]["seconds"], r["preset"]["seconds"]
        lines.append(f"| {fw} | {name} | {r['params'] / 1e6:.1f} M | {own:.3f} | {pre:.3f} | **{pre / own:.2f}** |")
    lines += ["", "## Truncated normal in the torch backend (CPU)", ""]
    if isinstance(tn, str):  # why it did not run
        lines.append(tn)
    else:
        lines += ["| sampler | G samples/s | vs normal_ |", "|---|---|---|"]
        for name, rate in tn.items():
            lines.append(f"| {name} | {rate:.3f} | {rate / tn['torch normal_']:.2f} |")
    lines += ["", "## `import unifiedinit`", "",
              f"{imp['import_ms']:.0f} ms against {imp['bare_ms']:.0f} ms for a bare start: "
              f"**{imp['over_bare_ms']:.0f} ms over a bare start** (best of 7, bytecode cached as an installed "
              f"package has it). No framework is imported; the standard modules it loads: "
              f"{', '.join(m for m in imp['modules'] if '.' not in m)}.", "",
              "## Plan overhead on many small layers (torch, CPU)", ""] + (small or []) + ["",
              "## Large models: meta and sharded (torch, CPU)", ""] + (large or []) + ["",
              "## Every spec against the framework's own normal (CPU)", ""] + (specs or []) + ["",
              "## GPU (torch and JAX)", ""] + gpu + [""]
    print("\n".join(lines), flush=True)  # first: a write that fails loses nothing measured
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
