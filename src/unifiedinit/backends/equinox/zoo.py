"""The zoo model in equinox: the small model every framework builds the same way (``unifiedinit.verify.zoo``), with
Equinox's own default initialization, for ``unifiedinit defaults``, the preset tests and the notebooks. Its
BatchNorm keeps its running statistics in ``eqx.nn.State``, outside the module."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import equinox as eqx


def build() -> "eqx.Module":
    import warnings

    import equinox as eqx
    import jax

    class Net(eqx.Module):
        emb: eqx.nn.Embedding
        conv: eqx.nn.Conv2d
        bn: eqx.nn.BatchNorm
        convt: eqx.nn.ConvTranspose2d
        fc1: eqx.nn.Linear
        fc2: eqx.nn.Linear
        lstm: eqx.nn.LSTMCell
        prelu: eqx.nn.PReLU

        def __init__(self, key: jax.Array) -> None:
            keys = jax.random.split(key, 7)
            self.emb = eqx.nn.Embedding(200, 32, key=keys[0])
            self.conv = eqx.nn.Conv2d(8, 32, 3, key=keys[1])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Equinox's note on its default mode
                self.bn = eqx.nn.BatchNorm(32, axis_name="batch")
            self.convt = eqx.nn.ConvTranspose2d(32, 16, 3, key=keys[2])
            self.fc1 = eqx.nn.Linear(64, 128, key=keys[3])
            self.fc2 = eqx.nn.Linear(128, 10, key=keys[4])
            self.lstm = eqx.nn.LSTMCell(32, 24, key=keys[5])
            self.prelu = eqx.nn.PReLU()

    return Net(jax.random.key(0))
