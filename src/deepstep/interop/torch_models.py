"""PyTorch twins of deepstep's ready models: the same children under the same names (so the same
state_dict), and a forward written with torch as deepstep's is written with deepstep.

`to_torch` builds a twin from the deepstep model's converted children and the few attributes its
forward reads, and leaves the deepstep constructor's arguments on it (`deepstep_args`), so that
`from_torch` can build the deepstep model back. Imports torch: deepstep imports this module only
when a conversion is asked for.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from .. import models
from ..models import language

__all__ = ["TWINS"]


class MLP(nn.Module):
    def __init__(self, layers: nn.Sequential) -> None:
        super().__init__()
        self.layers = layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class SmallCNN(nn.Module):
    def __init__(self, features: nn.Sequential, classifier: nn.Linear) -> None:
        super().__init__()
        self.features, self.classifier = features, classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 3:
            x = x.unsqueeze(1)
        return self.classifier(self.features(x).flatten(1))


class Autoencoder(nn.Module):
    def __init__(
        self,
        encoder: nn.Sequential,
        decoder: nn.Sequential,
        kind: str,
        image_size: int,
        decoder_input: nn.Linear | None = None,
    ) -> None:
        super().__init__()
        self.encoder, self.decoder_input, self.decoder = encoder, decoder_input, decoder
        self.kind, self.image_size = kind, image_size

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        size = self.image_size
        shape = (size * size,) if self.kind == "dense" else (1, size, size)
        return self.encoder(x.reshape(x.shape[0], *shape))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if self.kind == "dense":
            return self.decoder(z)
        quarter = self.image_size // 4
        h = self.decoder_input(z)
        return self.decoder(h.reshape(h.shape[0], 32, quarter, quarter))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class GAN(nn.Module):
    def __init__(self, generator: nn.Sequential, discriminator: nn.Sequential, latent_dim: int) -> None:
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)


class CharRNN(nn.Module):
    def __init__(self, embedding: nn.Embedding, rnn: nn.Module, head: nn.Linear) -> None:
        super().__init__()
        self.embedding, self.rnn, self.head = embedding, rnn, head

    def forward(self, idx: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        out, state = self.rnn(self.embedding(idx), state)
        return self.head(out), state


class CausalSelfAttention(nn.Module):
    def __init__(
        self, c_attn: nn.Linear, c_proj: nn.Linear, resid_dropout: nn.Dropout, n_head: int, dropout: float
    ) -> None:
        super().__init__()
        self.c_attn, self.c_proj, self.resid_dropout = c_attn, c_proj, resid_dropout
        self.n_head, self.dropout = n_head, dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, channels = x.shape
        qkv = (
            self.c_attn(x)
            .reshape(batch, steps, 3, self.n_head, channels // self.n_head)
            .permute(2, 0, 3, 1, 4)
        )
        y = F.scaled_dot_product_attention(
            qkv[0], qkv[1], qkv[2], dropout_p=self.dropout if self.training else 0.0, is_causal=True
        )
        return self.resid_dropout(self.c_proj(y.permute(0, 2, 1, 3).reshape(batch, steps, channels)))


class MLPBlock(nn.Module):
    def __init__(self, c_fc: nn.Linear, c_proj: nn.Linear, dropout: nn.Dropout) -> None:
        super().__init__()
        self.c_fc, self.c_proj, self.dropout = c_fc, c_proj, dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(
        self, ln_1: nn.LayerNorm, attn: CausalSelfAttention, ln_2: nn.LayerNorm, mlp: MLPBlock
    ) -> None:
        super().__init__()
        self.ln_1, self.attn, self.ln_2, self.mlp = ln_1, attn, ln_2, mlp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(
        self,
        wte: nn.Embedding,
        wpe: nn.Embedding,
        drop: nn.Dropout,
        h: nn.ModuleList,
        ln_f: nn.LayerNorm,
        block_size: int,
    ) -> None:
        super().__init__()
        self.wte, self.wpe, self.drop, self.h, self.ln_f = wte, wpe, drop, h, ln_f
        self.block_size = block_size

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        steps = idx.shape[1]
        if steps > self.block_size:
            raise ValueError(f"cannot take a sequence of {steps} tokens: block_size is {self.block_size}")
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(steps, device=idx.device)))
        for block in self.h:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)  # the output layer is the token table (tied)


# deepstep's class → its twin, and the attributes (besides the children) the twin's forward reads
TWINS: dict[type, tuple[type[nn.Module], tuple[str, ...]]] = {
    models.MLP: (MLP, ()),
    models.SmallCNN: (SmallCNN, ()),
    models.Autoencoder: (Autoencoder, ("kind", "image_size")),
    models.GAN: (GAN, ("latent_dim",)),
    models.CharRNN: (CharRNN, ()),
    models.GPT: (GPT, ("block_size",)),
    language.Block: (Block, ()),
    language.CausalSelfAttention: (CausalSelfAttention, ("n_head", "dropout")),
    language.MLPBlock: (MLPBlock, ()),
}
