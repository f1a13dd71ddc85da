"""The zoo model in keras: the small model every framework builds the same way (``unifiedinit.verify.zoo``), with
keras's own default initialization, for ``unifiedinit defaults``, the preset tests and the notebooks."""

# keras ships no type annotations for most of its API (keras.layers, keras.utils):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

from typing import Any


def build() -> Any:
    """The zoo model as a built ``keras.layers.Layer`` named "net", drawn by Keras's defaults from seed 0."""
    import keras
    from keras import layers

    class Net(keras.layers.Layer):
        def __init__(self) -> None:
            super().__init__(name="net")
            self.emb = layers.Embedding(200, 32, name="emb")
            self.conv = layers.Conv2D(32, 3, name="conv")
            self.bn = layers.BatchNormalization(name="bn")
            self.convt = layers.Conv2DTranspose(16, 3, name="convt")
            self.fc1 = layers.Dense(128, name="fc1")
            self.fc2 = layers.Dense(10, name="fc2")
            self.lstm = layers.LSTM(24, name="lstm")
            self.prelu = layers.PReLU(name="prelu")

        def build(self, input_shape: Any = None) -> None:
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
