"""Port a model between frameworks and keep its initialization: one small transformer written in PyTorch, Flax NNX
and Keras 3, initialized by ONE portable plan, gives the same logits at init (to float32 rounding).

    python examples/porting_transformer.py

What makes the weights the same is portable mode: every parameter's values depend only on the seed, the spec and
the parameter's canonical key, which comes from its path with each framework's spelling removed (a torch
``blocks.0.attn.q.weight`` and an NNX ``blocks/0/attn/q/kernel`` are both ``blocks/0/attn/q/weight``), and are
moved into each framework's storage layout (torch's Linear weight is (out, in), Flax's and Keras's kernels
(in, out)). So the port only has to use the same attribute names; the head is tied to the embedding in all three.
Each framework is imported only when its model is built.
"""

from __future__ import annotations

import numpy as np

import unifiedinit as ui

VOCAB, WIDTH, HEADS, LAYERS, HIDDEN, EPS = 1000, 64, 4, 2, 256, 1e-6

#: one plan for all three: GPT-style N(0, 0.02) weights and embedding, zero biases, unit norm scales
PLAN = (ui.Plan(name="gpt-style")
        .rule(ui.Normal(0.0, 0.02), role=("weight", "embedding"))
        .rule(ui.Zeros(), role="bias")
        .rule(ui.Ones(), kind="norm", role="scale"))


def causal_attention(q, k, v, softmax, where, tril):
    """softmax(q k^T / sqrt(d) + causal mask) v for (batch, heads, time, dim) arrays of any framework."""
    scores = q @ k.swapaxes(-1, -2) if hasattr(q, "swapaxes") else q @ k.transpose(-1, -2)
    scores = scores / np.sqrt(WIDTH // HEADS)
    return softmax(where(tril, scores, -1e9)) @ v


# ------------------------------------------------------------------------------------------------ PyTorch

def torch_model():
    import torch
    from torch import nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(4))

        def forward(self, x):
            b, t, _ = x.shape
            split = lambda y: y.view(b, t, HEADS, -1).transpose(1, 2)  # noqa: E731
            tril = torch.tril(torch.ones(t, t, dtype=torch.bool))
            out = causal_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                   lambda s: s.softmax(-1), torch.where, tril)
            return self.o(out.transpose(1, 2).reshape(b, t, WIDTH))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm_1, self.attn = nn.RMSNorm(WIDTH, eps=EPS), Attention()
            self.norm_2 = nn.RMSNorm(WIDTH, eps=EPS)
            self.fc_in, self.fc_out = nn.Linear(WIDTH, HIDDEN), nn.Linear(HIDDEN, WIDTH)

        def forward(self, x):
            x = x + self.attn(self.norm_1(x))
            return x + self.fc_out(nn.functional.gelu(self.fc_in(self.norm_2(x)), approximate="tanh"))

    class TinyLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, WIDTH)
            self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
            self.norm = nn.RMSNorm(WIDTH, eps=EPS)
            self.head = nn.Linear(WIDTH, VOCAB, bias=False)
            self.head.weight = self.embed.weight  # tied: one tensor, two paths

        def forward(self, tokens):
            x = self.embed(tokens)
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    return TinyLM()


def torch_logits(tokens: np.ndarray, seed: int) -> np.ndarray:
    import torch
    model = torch_model()
    PLAN.apply(model, seed=seed, portable=True)
    with torch.no_grad():
        return model(torch.from_numpy(tokens)).numpy()


# ------------------------------------------------------------------------------------------------ Flax NNX

def nnx_model():
    import jax
    import jax.numpy as jnp
    from flax import nnx

    class Attention(nnx.Module):
        def __init__(self, rngs):
            self.q, self.k, self.v, self.o = (nnx.Linear(WIDTH, WIDTH, use_bias=False, rngs=rngs) for _ in range(4))

        def __call__(self, x):
            b, t, _ = x.shape
            split = lambda y: y.reshape(b, t, HEADS, -1).transpose(0, 2, 1, 3)  # noqa: E731
            tril = jnp.tril(jnp.ones((t, t), bool))
            out = causal_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                   lambda s: jax.nn.softmax(s, -1), jnp.where, tril)
            return self.o(out.transpose(0, 2, 1, 3).reshape(b, t, WIDTH))

    class Block(nnx.Module):
        def __init__(self, rngs):
            self.norm_1, self.attn = nnx.RMSNorm(WIDTH, epsilon=EPS, rngs=rngs), Attention(rngs)
            self.norm_2 = nnx.RMSNorm(WIDTH, epsilon=EPS, rngs=rngs)
            self.fc_in, self.fc_out = nnx.Linear(WIDTH, HIDDEN, rngs=rngs), nnx.Linear(HIDDEN, WIDTH, rngs=rngs)

        def __call__(self, x):
            x = x + self.attn(self.norm_1(x))
            return x + self.fc_out(jax.nn.gelu(self.fc_in(self.norm_2(x)), approximate=True))

    class TinyLM(nnx.Module):
        def __init__(self, rngs):
            self.embed = nnx.Embed(VOCAB, WIDTH, rngs=rngs)
            self.blocks = nnx.List([Block(rngs) for _ in range(LAYERS)])
            self.norm = nnx.RMSNorm(WIDTH, epsilon=EPS, rngs=rngs)

        def __call__(self, tokens):
            x = self.embed(tokens)
            for block in self.blocks:
                x = block(x)
            return self.embed.attend(self.norm(x))  # tied head

    return TinyLM(nnx.Rngs(0))


def nnx_logits(tokens: np.ndarray, seed: int) -> np.ndarray:
    import jax.numpy as jnp
    model = nnx_model()
    PLAN.apply(model, seed=seed, portable=True)
    return np.asarray(model(jnp.asarray(tokens)))


# ------------------------------------------------------------------------------------------------ Keras 3

def keras_model():
    import keras
    from keras import layers, ops

    class Attention(layers.Layer):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (layers.Dense(WIDTH, use_bias=False) for _ in range(4))

        def call(self, x):
            b, t = ops.shape(x)[0], ops.shape(x)[1]
            split = lambda y: ops.transpose(ops.reshape(y, (b, t, HEADS, -1)), (0, 2, 1, 3))  # noqa: E731
            tril = ops.tril(ops.ones((t, t), "bool"))
            q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
            scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / np.sqrt(WIDTH // HEADS)
            out = ops.matmul(ops.softmax(ops.where(tril, scores, -1e9), -1), v)
            return self.o(ops.reshape(ops.transpose(out, (0, 2, 1, 3)), (b, t, WIDTH)))

    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.norm_1, self.attn = layers.RMSNormalization(epsilon=EPS), Attention()
            self.norm_2 = layers.RMSNormalization(epsilon=EPS)
            self.fc_in, self.fc_out = layers.Dense(HIDDEN), layers.Dense(WIDTH)

        def call(self, x):
            x = x + self.attn(self.norm_1(x))
            return x + self.fc_out(keras.activations.gelu(self.fc_in(self.norm_2(x)), approximate=True))

    class TinyLM(keras.Model):
        def __init__(self):
            super().__init__()
            self.embed = layers.Embedding(VOCAB, WIDTH)
            self.blocks = [Block() for _ in range(LAYERS)]
            self.norm = layers.RMSNormalization(epsilon=EPS)

        def call(self, tokens):
            x = self.embed(tokens)
            for block in self.blocks:
                x = block(x)
            return ops.matmul(self.norm(x), ops.transpose(self.embed.embeddings))  # tied head

    model = TinyLM()
    model(np.zeros((1, 4), "int32"))  # build
    return model


def keras_logits(tokens: np.ndarray, seed: int) -> np.ndarray:
    import keras
    model = keras_model()
    PLAN.apply(model, seed=seed, portable=True)
    return np.asarray(keras.ops.convert_to_numpy(model(tokens)))


LOGITS = {"torch": torch_logits, "flax": nnx_logits, "keras": keras_logits}


#: what each framework's model needs installed
NEEDS = {"torch": ("torch",), "flax": ("jax", "flax"), "keras": ("keras",)}


def present() -> list[str]:
    """The frameworks of ``LOGITS`` installed here, in ``LOGITS``' order (found, not imported)."""
    import importlib.util
    return [f for f in LOGITS if all(importlib.util.find_spec(m) is not None for m in NEEDS[f])]


def main() -> dict[str, float]:
    """The largest logit difference of each framework installed against the first one (torch where it is
    installed), printed too; an empty dict when only one is installed.

    Raises:
        ModuleNotFoundError: none of torch, flax and keras is installed (the message says how to install one).
    """
    frameworks = present()
    if not frameworks:
        raise ModuleNotFoundError("porting_transformer needs at least one of torch, flax (with jax) and keras, and "
                                  "none is installed: pip install torch (or 'flax' or 'keras'), two or more to "
                                  "compare them")
    tokens = np.random.default_rng(0).integers(0, VOCAB, (2, 12)).astype(np.int32)
    logits = {f: LOGITS[f](tokens, seed=2026) for f in frameworks}
    first = frameworks[0]
    ref = logits[first]
    gaps = {f: float(np.abs(x - ref).max()) for f, x in logits.items() if f != first}
    print(f"logits {ref.shape}, max |logit| {np.abs(ref).max():.4f}")
    for f, gap in gaps.items():
        print(f"  {f:6s} vs {first}: max |difference| {gap:.2e}")
    if not gaps:
        print(f"  only {first} is installed: nothing to compare its logits with (install torch, flax or keras)")
    return gaps


if __name__ == "__main__":
    try:
        main()
    except ModuleNotFoundError as err:
        raise SystemExit(str(err)) from None
