"""The same small model in the four frameworks: for ``unifiedinit defaults``, the preset tests and the notebooks.

Layers, by name: emb Embedding(200, 32) · conv Conv2d(8 -> 32, 3x3) · bn BatchNorm(32) · convt
ConvTranspose2d(32 -> 16, 3x3) · fc1 Dense(64 -> 128) · fc2 Dense(128 -> 10) · lstm LSTM(32 -> 24) · prelu PReLU.
Each builder returns a model with the framework's own default initialization (imported only when called);
``values(framework, model)`` gives every parameter's values grouped by (layer name, role), with the Params that
describe them.
"""

from collections import defaultdict

import numpy as np

NAMES = ("emb", "conv", "bn", "convt", "fc1", "fc2", "lstm", "prelu")
FRAMEWORKS = ("torch", "keras", "mxnet", "flax")


def torch_model():
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(200, 32)
            self.conv = nn.Conv2d(8, 32, 3)
            self.bn = nn.BatchNorm2d(32)
            self.convt = nn.ConvTranspose2d(32, 16, 3)
            self.fc1 = nn.Linear(64, 128)
            self.fc2 = nn.Linear(128, 10)
            self.lstm = nn.LSTM(32, 24)
            self.prelu = nn.PReLU()

    torch.manual_seed(0)
    return Net()


def keras_model():
    import keras
    from keras import layers

    class Net(keras.layers.Layer):
        def __init__(self):
            super().__init__(name="net")
            self.emb = layers.Embedding(200, 32, name="emb")
            self.conv = layers.Conv2D(32, 3, name="conv")
            self.bn = layers.BatchNormalization(name="bn")
            self.convt = layers.Conv2DTranspose(16, 3, name="convt")
            self.fc1 = layers.Dense(128, name="fc1")
            self.fc2 = layers.Dense(10, name="fc2")
            self.lstm = layers.LSTM(24, name="lstm")
            self.prelu = layers.PReLU(name="prelu")

        def build(self, input_shape=None):
            self.emb.build((None, 5))
            self.conv.build((None, 10, 10, 8))
            self.bn.build((None, 10, 10, 32))
            self.convt.build((None, 10, 10, 32))
            self.fc1.build((None, 64))
            self.fc2.build((None, 128))
            self.lstm.build((None, 5, 32))
            self.prelu.build((None, 7))
            self.built = True

    keras.utils.set_random_seed(0)
    net = Net()
    net.build()
    return net


def mxnet_model():
    from ..backends.mxnet import mx
    gluon = mx.gluon

    class Net(gluon.Block):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.emb = gluon.nn.Embedding(200, 32)
                self.conv = gluon.nn.Conv2D(32, 3, in_channels=8)
                self.bn = gluon.nn.BatchNorm(in_channels=32)
                self.convt = gluon.nn.Conv2DTranspose(16, 3, in_channels=32)
                self.fc1 = gluon.nn.Dense(128, in_units=64)
                self.fc2 = gluon.nn.Dense(10, in_units=128)
                self.lstm = gluon.rnn.LSTM(24, input_size=32)
                self.prelu = gluon.nn.PReLU()

    mx.random.seed(0)
    net = Net()
    net.initialize()
    return net


def flax_model():
    from flax import nnx

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.emb = nnx.Embed(200, 32, rngs=rngs)
            self.conv = nnx.Conv(8, 32, (3, 3), rngs=rngs)
            self.bn = nnx.BatchNorm(32, rngs=rngs)
            self.convt = nnx.ConvTranspose(32, 16, (3, 3), rngs=rngs)
            self.fc1 = nnx.Linear(64, 128, rngs=rngs)
            self.fc2 = nnx.Linear(128, 10, rngs=rngs)
            self.lstm = nnx.LSTMCell(32, 24, rngs=rngs)
            self.prelu = nnx.PReLU()

    return Net(nnx.Rngs(0))


BUILD = {"torch": torch_model, "keras": keras_model, "mxnet": mxnet_model, "flax": flax_model}


def _numpy(framework, handle):
    if framework == "torch":
        return handle.detach().cpu().double().numpy()
    if framework == "keras":
        import keras
        return np.asarray(keras.ops.convert_to_numpy(handle), dtype=np.float64)
    if framework == "mxnet":
        return handle[3].data().asnumpy().astype(np.float64)
    return np.asarray(handle.get_value(), dtype=np.float64)


def values(framework, model):
    """{(layer name, role): (values of every parameter in that group, flattened and joined, [Params])}."""
    from ..backends import get_backend
    groups = defaultdict(lambda: ([], []))
    for p, handle in get_backend(framework).walk(model):
        layer = next(part for part in p.path.split("/") if part in NAMES)
        groups[(layer, p.role)][0].append(_numpy(framework, handle).ravel())
        groups[(layer, p.role)][1].append(p)
    return {k: (np.concatenate(v), ps) for k, (v, ps) in groups.items()}
