"""The one table: each module class deepstep exports, and the converter that writes its nodes.

A class missing here (a loss, MaxUnpool, a Module subclass of your own) is an error naming it and
its path in the model. Lookup is by exact class: a subclass with its own forward is not its parent.
"""

from __future__ import annotations

from ... import nn
from ...models import GAN, GPT, MLP, Autoencoder, CharRNN, SmallCNN
from ...models.language import Block, CausalSelfAttention, MLPBlock
from . import activations as act
from . import attention, conv, layers, models, normalization, recurrent
from .graph import Converter

__all__ = ["CONVERTERS", "METHODS"]

CONVERTERS: dict[type, Converter] = {
    # activations
    nn.ReLU: act.one("Relu"),
    nn.Sigmoid: act.one("Sigmoid"),
    nn.Tanh: act.one("Tanh"),
    nn.Softsign: act.one("Softsign"),
    nn.Hardswish: act.one("HardSwish"),
    nn.Mish: act.one("Mish"),
    nn.LeakyReLU: act.leaky_relu,
    nn.RReLU: act.rrelu,
    nn.ELU: act.elu,
    nn.CELU: act.elu,
    nn.SELU: act.selu,
    nn.GELU: act.gelu,
    nn.SiLU: act.silu,
    nn.Hardtanh: act.hardtanh,
    nn.ReLU6: act.hardtanh,
    nn.Hardsigmoid: act.hardsigmoid,
    nn.LogSigmoid: act.logsigmoid,
    nn.Tanhshrink: act.tanhshrink,
    nn.Softshrink: act.shrink,
    nn.Hardshrink: act.shrink,
    nn.Threshold: act.threshold,
    nn.GLU: act.glu,
    nn.PReLU: act.prelu,
    nn.Softmax: act.softmax,
    nn.LogSoftmax: act.softmax,
    nn.Softmin: act.softmax,
    nn.Softmax2d: act.softmax2d,
    nn.Step: act.step,
    # layers that compute or move data
    nn.Linear: layers.linear,
    nn.Identity: layers.identity,
    nn.Dropout: layers.identity,
    nn.Dropout1d: layers.identity,
    nn.Dropout2d: layers.identity,
    nn.Dropout3d: layers.identity,
    nn.AlphaDropout: layers.identity,
    nn.FeatureAlphaDropout: layers.identity,
    nn.Flatten: layers.flatten,
    nn.Unflatten: layers.unflatten,
    nn.Embedding: layers.embedding,
    nn.EmbeddingBag: layers.embedding_bag,
    nn.Sequential: layers.sequential,
    # convolution, pooling, resampling
    nn.Conv1d: conv.conv,
    nn.Conv2d: conv.conv,
    nn.ConvTranspose1d: conv.conv_transpose,
    nn.ConvTranspose2d: conv.conv_transpose,
    nn.MaxPool1d: conv.max_pool,
    nn.MaxPool2d: conv.max_pool,
    nn.AvgPool1d: conv.avg_pool,
    nn.AvgPool2d: conv.avg_pool,
    nn.LPPool1d: conv.lp_pool,
    nn.LPPool2d: conv.lp_pool,
    nn.AdaptiveAvgPool1d: conv.adaptive_avg_pool,
    nn.AdaptiveAvgPool2d: conv.adaptive_avg_pool,
    nn.AdaptiveMaxPool1d: conv.adaptive_max_pool,
    nn.AdaptiveMaxPool2d: conv.adaptive_max_pool,
    nn.Upsample: conv.upsample,
    nn.UpsamplingNearest2d: conv.upsample,
    nn.UpsamplingBilinear2d: conv.upsample,
    nn.PixelShuffle: conv.pixel_shuffle,
    nn.PixelUnshuffle: conv.pixel_unshuffle,
    nn.Unfold: conv.unfold,
    nn.Fold: conv.fold,
    # normalisation
    nn.BatchNorm1d: normalization.batch_norm,
    nn.BatchNorm2d: normalization.batch_norm,
    nn.InstanceNorm1d: normalization.instance_norm,
    nn.InstanceNorm2d: normalization.instance_norm,
    nn.InstanceNorm3d: normalization.instance_norm,
    nn.LayerNorm: normalization.layer_norm,
    nn.RMSNorm: normalization.rms_norm,
    nn.GroupNorm: normalization.group_norm,
    nn.LocalResponseNorm: normalization.local_response_norm,
    # sequences
    nn.RNN: recurrent.recurrent,
    nn.LSTM: recurrent.recurrent,
    nn.GRU: recurrent.recurrent,
    nn.RNNCell: recurrent.cell,
    nn.LSTMCell: recurrent.cell,
    nn.GRUCell: recurrent.cell,
    nn.MultiheadAttention: attention.multihead_attention,
    nn.TransformerEncoderLayer: attention.encoder_layer,
    nn.TransformerDecoderLayer: attention.decoder_layer,
    nn.TransformerEncoder: attention.encoder,
    nn.TransformerDecoder: attention.decoder,
    nn.Transformer: attention.transformer,
    # ready models and their parts
    MLP: models.mlp,
    SmallCNN: models.small_cnn,
    Autoencoder: models.autoencoder,
    GAN: models.gan,
    CharRNN: models.char_rnn,
    GPT: models.gpt,
    Block: models.block,
    CausalSelfAttention: models.causal_self_attention,
    MLPBlock: models.mlp_block,
}

# methods other than forward that export on their own: (class, name) → converter
METHODS: dict[tuple[type, str], Converter] = {
    (Autoencoder, "encode"): models.encode,
    (Autoencoder, "decode"): models.decode,
}
