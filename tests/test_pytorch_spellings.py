"""Calls written for PyTorch, keywords included, run unchanged on deepstep and give PyTorch's values
(the keyword names of the functions users call most, which a signature change could break)."""

from __future__ import annotations

import deepstep.nn.functional as dF
import numpy as np
import pytest

import deepstep as ds

pytestmark = pytest.mark.filterwarnings("ignore:`nn.functional.upsample_nearest` is deprecated")

CALLS = [
    "x.split(split_size=2, dim=0)",
    "x.split([1, 2], dim=0)",
    "L.split(x, 2)",
    "F.linear(input=x, weight=y, bias=None)",
    "F.batch_norm(input=x, running_mean=L.zeros(4, dtype=L.float64), running_var=L.ones(4, dtype=L.float64))",
    "F.upsample_nearest(x[None, None], size=(6, 8))",
    "F.upsample_nearest(x[None, None], None, 2)",
    "x.clone(memory_format=L.contiguous_format)",
    "x.contiguous(memory_format=L.contiguous_format)",
    "L.empty_like(x, memory_format=L.preserve_format).shape",
    "L.randint(low=0, high=5, size=(3,)).shape",
    "L.randint(high=5, size=(3,)).shape",
    "x.sum(dim=0, keepdim=True)",
    "x.topk(k=2, dim=1, largest=True, sorted=True)[0]",
    "x.masked_fill(mask=x > 0, value=0.0)",
    "x.transpose(dim0=0, dim1=1)",
    "x.var(dim=1, keepdim=True, correction=0)",
    "F.cross_entropy(input=x, target=L.tensor([0, 1, 2]), reduction='sum', label_smoothing=0.1)",
]


@pytest.mark.parametrize("call", CALLS)
def test_pytorch_call_runs_and_equals_torch(torch, call):
    values = np.random.default_rng(0).standard_normal((2, 3, 4))
    results = []
    for lib, functional in ((torch, torch.nn.functional), (ds, dF)):
        namespace = {"L": lib, "F": functional, "x": lib.tensor(values[0, :, :]), "y": lib.tensor(values[1])}
        results.append(eval(call, namespace))
    theirs, ours = results
    if isinstance(theirs, tuple) and not isinstance(theirs, torch.Size):
        assert len(ours) == len(theirs)
        pairs = list(zip(ours, theirs, strict=True))
    else:
        pairs = [(ours, theirs)]
    for a, b in pairs:
        if isinstance(b, torch.Size):
            assert tuple(a) == tuple(b)
        else:
            np.testing.assert_allclose(np.asarray(a.tolist()), np.asarray(b.tolist()), rtol=1e-12, atol=1e-14)


def test_upsample_nearest_needs_a_size_or_a_factor(torch):
    with pytest.raises(ValueError, match="either size or scale_factor"):
        dF.upsample_nearest(ds.ones(1, 1, 2, 2))
    with pytest.raises(ValueError, match="either size or scale_factor"):
        torch.nn.functional.upsample_nearest(torch.ones(1, 1, 2, 2))


def test_functional_batch_norm_updates_running_statistics_given_as_tensors(torch):
    values = np.random.default_rng(1).standard_normal((8, 3))
    stats = []
    for lib, functional in ((torch, torch.nn.functional), (ds, dF)):
        mean, var = lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
        out = functional.batch_norm(lib.tensor(values), mean, var, training=True, momentum=0.2)
        stats.append((np.asarray(out.tolist()), np.asarray(mean.tolist()), np.asarray(var.tolist())))
    for ours, theirs in zip(stats[1], stats[0], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
