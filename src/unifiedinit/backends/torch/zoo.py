"""The zoo model in torch: the small model every framework builds the same way (``unifiedinit.verify.zoo``), with
torch's own default initialization, for ``unifiedinit defaults``, the preset tests and the notebooks."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: torch is imported when the model is built
    from torch import nn


def build() -> nn.Module:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(200, 32)
            self.conv = nn.Conv2d(8, 32, 3)
            self.bn = nn.BatchNorm2d(32)
            self.convt = nn.ConvTranspose2d(32, 16, 3)
            self.fc1 = nn.Linear(64, 128)
            self.fc2 = nn.Linear(128, 10)
            self.lstm = nn.LSTM(32, 24)
            self.prelu = nn.PReLU()

    torch.manual_seed(0)  # pyright: ignore[reportUnknownMemberType]  # torch leaves manual_seed's parameter untyped
    return Net()
