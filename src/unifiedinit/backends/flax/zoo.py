"""The zoo model in flax: the small model every framework builds the same way (``unifiedinit.verify.zoo``), with
flax's own default initialization, for ``unifiedinit defaults``, the preset tests and the notebooks."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flax import nnx


def build() -> "nnx.Module":
    from flax import nnx

    class Net(nnx.Module):
        def __init__(self, rngs: nnx.Rngs) -> None:
            self.emb = nnx.Embed(200, 32, rngs=rngs)
            self.conv = nnx.Conv(8, 32, (3, 3), rngs=rngs)
            self.bn = nnx.BatchNorm(32, rngs=rngs)
            self.convt = nnx.ConvTranspose(32, 16, (3, 3), rngs=rngs)
            self.fc1 = nnx.Linear(64, 128, rngs=rngs)
            self.fc2 = nnx.Linear(128, 10, rngs=rngs)
            self.lstm = nnx.LSTMCell(32, 24, rngs=rngs)
            self.prelu = nnx.PReLU()

    return Net(nnx.Rngs(0))
