"""deepstep ⇄ PyTorch: `to_torch(model)` gives the torch.nn.Module with the same architecture and
weights, `from_torch(module)` the deepstep model of a torch module built from layers deepstep has.

deepstep's layers take PyTorch's constructor arguments and name their parameters as PyTorch does,
so a conversion is: the same class built with the same arguments, then the other side's
state_dict() loaded (strictly: a name or shape that differs is an error, never a silent mismatch).
One table pairs the classes (PAIRS). Going to torch, the arguments are those the deepstep module
was built with, less deepstep's own (seed, init); coming from torch, they are read from the torch
module's attributes of the same names (a `bias` flag from whether the bias exists), with a few
layers read specially (READERS). deepstep's ready models (MLP, SmallCNN, Autoencoder, GAN, CharRNN,
GPT) become twins written in torch (torch_models.py) and come back as themselves.

A Module subclass of your own, deepstep or torch, cannot be converted: its forward is Python code
that neither side reads. Convert its layers and write the forward again on the other side. torch
is imported only when a conversion is asked for.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F
from .. import nn
from .errors import UnsupportedModuleError, where

__all__ = ["PAIRS", "from_torch", "to_torch"]

# deepstep class → the torch.nn class of the same layer (by name: torch is imported lazily)
PAIRS: dict[type, str] = {
    cls: cls.__name__
    for cls in (
        # activations
        nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.Softmax2d,
        nn.GELU, nn.SiLU, nn.Mish, nn.ELU, nn.CELU, nn.SELU, nn.Hardtanh, nn.ReLU6, nn.Hardsigmoid,
        nn.Hardswish, nn.LogSigmoid, nn.Softsign, nn.Tanhshrink, nn.Softshrink, nn.Hardshrink,
        nn.Threshold, nn.GLU, nn.PReLU, nn.RReLU,
        # layers
        nn.Linear, nn.Identity, nn.Flatten, nn.Unflatten, nn.Dropout, nn.Dropout1d, nn.Dropout2d,
        nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout, nn.Embedding, nn.EmbeddingBag,
        nn.CosineSimilarity, nn.PairwiseDistance,
        # convolution, pooling, resampling
        nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.MaxPool1d, nn.MaxPool2d,
        nn.AvgPool1d, nn.AvgPool2d, nn.LPPool1d, nn.LPPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d,
        nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.MaxUnpool1d, nn.MaxUnpool2d, nn.Upsample,
        nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d, nn.PixelShuffle, nn.PixelUnshuffle, nn.Fold,
        nn.Unfold, nn.Conv3d, nn.ConvTranspose3d, nn.MaxPool3d, nn.AvgPool3d, nn.AdaptiveAvgPool3d,
        # normalisation
        nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.RMSNorm, nn.GroupNorm,
        nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d, nn.LocalResponseNorm,
        # sequences
        nn.RNN, nn.LSTM, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell, nn.MultiheadAttention,
        nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.TransformerEncoder,
        nn.TransformerDecoder, nn.Transformer,
        # containers
        nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict,
    )
}  # fmt: skip

# constructor arguments that only shape the initial weights or the memory (which the state_dict
# and the model's dtype settle): not carried to the other side
_INITIAL_ONLY = frozenset({"seed", "init", "dtype", "device", "_weight", "_freeze"})


# torch arguments deepstep's layers do not have, set to what deepstep does: no nested tensors (torch's
# default, True, only warns that it cannot use them when batch_first is False)
_TORCH_DEFAULTS: dict[type, dict[str, Any]] = {nn.TransformerEncoder: {"enable_nested_tensor": False}}


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("converting to or from PyTorch needs torch: pip install torch") from None
    return torch


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _custom(module: Any, path: str, side: str) -> UnsupportedModuleError:
    name = type(module).__name__
    if type(module).__module__.startswith(("deepstep.", "torch.nn.")):
        why = f"{side} has no {name} layer"
    else:
        why = (
            "it is a Module subclass of your own, whose forward is Python code that cannot be translated; "
            f"convert its layers (to_torch / from_torch on each) and write the forward again in {side}"
        )
    return UnsupportedModuleError(f"cannot convert {name} {where(path)} to {side}: {why}")


def _floating(state: dict[str, Any]) -> Any:
    """The dtype of the first floating parameter or buffer of a state_dict, None where there is none."""
    for value in state.values():
        if value.is_floating_point() if hasattr(value, "is_floating_point") else value.dtype.kind == "f":
            return value.dtype
    return None


# ----- deepstep → torch -----------------------------------------------------------------------------
def to_torch(model: nn.Module) -> Any:
    """The torch.nn.Module with model's architecture, weights, dtype, training mode and requires_grad
    flags: its outputs equal the model's. Raises UnsupportedModuleError naming a module without a
    PyTorch counterpart (a Module subclass of your own)."""
    torch = _torch()
    if not isinstance(model, nn.Module):
        raise TypeError(f"to_torch expects a deepstep Module, got {type(model).__name__}")
    converted = _to_torch(model, "", torch)
    state = model.state_dict()
    dtype = _floating(state)
    if dtype is not None:
        converted.to(getattr(torch, np.dtype(dtype).name))
    converted.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    _copy_flags(model, converted, dict(model.named_parameters()), dict(converted.named_parameters()))
    return converted


def _to_torch(m: nn.Module, path: str, torch: Any) -> Any:
    from .torch_models import TWINS

    if type(m) in TWINS:
        twin, attributes = TWINS[type(m)]
        children = {name: _to_torch(child, _join(path, name), torch) for name, child in m.named_children()}
        converted = twin(**children, **{name: getattr(m, name) for name in attributes})
        converted.deepstep_args = m._init_args  # what from_torch rebuilds the deepstep model with
        return converted
    if type(m) not in PAIRS:
        raise _custom(m, path, "PyTorch")
    cls = getattr(torch.nn, PAIRS[type(m)])
    accepted = inspect.signature(cls).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())  # LSTM(*args, **kwargs)
    own = inspect.signature(type(m)).parameters
    args, kwargs = [], dict(_TORCH_DEFAULTS.get(type(m), {}))
    for name, value in _bound(m).items():
        if name in _INITIAL_ONLY:
            continue
        if own[name].kind is inspect.Parameter.VAR_POSITIONAL:  # Sequential's modules
            args += [_torch_value(v, _join(path, str(i)), torch) for i, v in enumerate(value)]
        elif own[name].kind is inspect.Parameter.VAR_KEYWORD:
            kwargs.update({k: _torch_value(v, path, torch) for k, v in value.items()})
        elif name in accepted or takes_any:
            kwargs[name] = _torch_value(value, _join(path, name), torch)
        else:
            raise UnsupportedModuleError(
                f"cannot convert {type(m).__name__} {where(path)}: PyTorch's takes no {name}"
            )
    return cls(*args, **kwargs)


def _bound(m: nn.Module) -> dict[str, Any]:
    """The arguments m was built with, by parameter name."""
    args, kwargs = m._init_args
    return dict(inspect.signature(type(m)).bind(*args, **kwargs).arguments)


def _torch_value(value: Any, path: str, torch: Any) -> Any:
    """A constructor argument for torch: modules converted, arrays as tensors, F.relu as "relu"."""
    if isinstance(value, nn.Module):
        return _to_torch(value, path, torch)
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return OrderedDict((k, _torch_value(v, _join(path, k), torch)) for k, v in value.items())
    if isinstance(value, (list, tuple)) and any(isinstance(v, (nn.Module, np.ndarray, tuple)) for v in value):
        return type(value)(_torch_value(v, path, torch) for v in value)
    if value is F.relu or value is F.gelu:
        return value.__name__
    return value


def _copy_flags(source: Any, target: Any, source_parameters: dict, target_parameters: dict) -> None:
    """Training mode per module and requires_grad per parameter, from source to target."""
    for name, module in source.named_modules():
        other = target.get_submodule(name) if name else target
        other.training = module.training
    for name, p in source_parameters.items():
        target_parameters[name].requires_grad_(p.requires_grad)


# ----- torch → deepstep -----------------------------------------------------------------------------
def from_torch(module: Any) -> nn.Module:
    """The deepstep model of a torch module built from layers deepstep has (a DistributedDataParallel
    or DataParallel wrapper is looked through), with its weights, dtype, training mode and
    requires_grad flags. Raises UnsupportedModuleError naming a module deepstep cannot build."""
    torch = _torch()
    if isinstance(module, (torch.nn.parallel.DistributedDataParallel, torch.nn.DataParallel)):
        module = module.module
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch expects a torch.nn.Module, got {type(module).__name__}")
    built = _from_torch(module, "", torch)
    state = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
    dtype = _floating(state)
    if dtype is not None:
        built.to(dtype)
    built.load_state_dict(state)
    _copy_flags(module, built, dict(module.named_parameters()), dict(built.named_parameters()))
    return built


_BY_TORCH_NAME = {name: cls for cls, name in PAIRS.items()}


def _from_torch(m: Any, path: str, torch: Any) -> nn.Module:
    from .torch_models import TWINS

    twins = {twin: cls for cls, (twin, _) in TWINS.items()}
    if type(m) in twins:
        if not hasattr(m, "deepstep_args"):
            raise UnsupportedModuleError(
                f"{type(m).__name__} {where(path)} was not made by to_torch: its arguments are unknown"
            )
        args, kwargs = m.deepstep_args
        return twins[type(m)](*args, **kwargs)
    name = type(m).__name__
    if name not in _BY_TORCH_NAME or not type(m).__module__.startswith("torch.nn."):
        raise _custom(m, path, "deepstep")
    cls = _BY_TORCH_NAME[name]
    read = READERS.get(cls, _read_attributes)
    args, kwargs = read(m, cls, path, torch)
    try:
        return cls(*args, **kwargs)
    except (NotImplementedError, ValueError) as error:  # a setting deepstep's layer lacks (proj_size…)
        raise UnsupportedModuleError(f"cannot convert {name} {where(path)} to deepstep: {error}") from None


def _deepstep_value(value: Any, path: str, torch: Any) -> Any:
    if isinstance(value, torch.nn.Module):
        return _from_torch(value, path, torch)
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if value is torch.nn.functional.relu or value is torch.nn.functional.gelu:
        return value.__name__
    return value


def _read_attributes(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    """The deepstep constructor's arguments from the torch module's attributes of the same names; a
    bool argument whose attribute is a tensor (bias) is whether the tensor exists."""
    kwargs = {}
    for name, p in inspect.signature(cls).parameters.items():
        if name in _INITIAL_ONLY or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or not hasattr(m, name):
            continue
        value = getattr(m, name)
        if isinstance(p.default, bool) and (value is None or isinstance(value, torch.Tensor)):
            value = value is not None
        kwargs[name] = _deepstep_value(value, _join(path, name), torch)
    return (), kwargs


def _read_children(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    """A container of modules: its children, converted, under their names."""
    children = OrderedDict((k, _from_torch(v, _join(path, k), torch)) for k, v in m.named_children())
    return ((children if cls is not nn.ModuleList else list(children.values())),), {}


def _read_parameters(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    values = [(k, v.detach().cpu().numpy()) for k, v in m.named_parameters(recurse=False)]
    return (([v for _, v in values] if cls is nn.ParameterList else values),), {}


def _read_attention(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    _, kwargs = _read_attributes(m, cls, path, torch)
    return (), {**kwargs, "bias": m.in_proj_bias is not None, "add_bias_kv": m.bias_k is not None}


def _read_transformer_layer(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    """d_model, nhead, … are not kept by torch's layers: read from their parts."""
    activation = m.activation
    return (), {
        "d_model": m.self_attn.embed_dim,
        "nhead": m.self_attn.num_heads,
        "dim_feedforward": m.linear1.out_features,
        "dropout": m.dropout.p,
        "activation": _deepstep_value(activation, _join(path, "activation"), torch),
        "layer_norm_eps": m.norm1.eps,
        "batch_first": m.self_attn.batch_first,
        "norm_first": m.norm_first,
        "bias": m.linear1.bias is not None,
    }


def _read_distance(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    """PairwiseDistance keeps its p as `norm` (in torch and in deepstep)."""
    return (), {"p": m.norm, "eps": m.eps, "keepdim": m.keepdim}


def _read_stack(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    """An encoder or decoder: its first layer (the others are copies of it, with their own weights)."""
    norm = None if m.norm is None else _from_torch(m.norm, _join(path, "norm"), torch)
    return (_from_torch(m.layers[0], _join(path, "layers.0"), torch), len(m.layers), norm), {}


def _read_transformer(m: Any, cls: type, path: str, torch: Any) -> tuple[tuple, dict[str, Any]]:
    return (), {
        "d_model": m.d_model,
        "nhead": m.nhead,
        "custom_encoder": _from_torch(m.encoder, _join(path, "encoder"), torch),
        "custom_decoder": _from_torch(m.decoder, _join(path, "decoder"), torch),
        "batch_first": m.batch_first,
    }


Reader = Callable[[Any, type, str, Any], tuple[tuple, dict[str, Any]]]

# the classes whose arguments are not (all) attributes of torch's module of the same name
READERS: dict[type, Reader] = {
    nn.Sequential: _read_children,
    nn.ModuleList: _read_children,
    nn.ModuleDict: _read_children,
    nn.ParameterList: _read_parameters,
    nn.ParameterDict: _read_parameters,
    nn.PairwiseDistance: _read_distance,
    nn.MultiheadAttention: _read_attention,
    nn.TransformerEncoderLayer: _read_transformer_layer,
    nn.TransformerDecoderLayer: _read_transformer_layer,
    nn.TransformerEncoder: _read_stack,
    nn.TransformerDecoder: _read_stack,
    nn.Transformer: _read_transformer,
}
