"""The zoo model in mxnet: the small model every framework builds the same way (``unifiedinit.verify.zoo``), with
mxnet's own default initialization, for ``unifiedinit defaults``, the preset tests and the notebooks."""

# MXNet ships no types (its classes and ``mx`` are untyped):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

from typing import Any


def build() -> Any:
    from .numpy2 import mx
    gluon = mx.gluon

    class Net(gluon.Block):  # type: ignore[name-defined]  # mx from the NumPy 2 import step
        def __init__(self) -> None:
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
