"""Outgrowing one machine: start in deepstep, continue in PyTorch on several processes, serve with
ONNX Runtime — one model throughout, its weights carried intact at each hand-over.

1. deepstep trains an MLP on part of MNIST (a few seconds).
2. `deepstep.interop.to_torch` gives the same network as a torch.nn.Module (same outputs).
3. PyTorch's DistributedDataParallel continues training over two CPU processes (gloo backend, on
   this machine): each process sees its half of every epoch, and after each backward pass the
   gradients are averaged across processes (all-reduce), so both replicas take identical steps.
   On a cluster the same code runs with more processes, on GPUs with the nccl backend.
4. `deepstep.interop.from_torch` brings the trained weights back into deepstep, and
   `deepstep.onnx.export` writes the ONNX file that ONNX Runtime serves.
5. The test accuracies in PyTorch, in deepstep and in ONNX Runtime agree.

Run: python examples/outgrow_to_torch_ddp.py   (needs torch, onnx and onnxruntime)
"""

from __future__ import annotations

import copy
import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def _free_port() -> int:
    """A TCP port nobody listens on now (the rendezvous of the two processes)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(
    rank: int, world_size: int, port: int, model: Any, data: tuple, settings: dict, folder: str
) -> None:
    """One of the processes: DDP over the shared model, its share of each epoch, its replica saved."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        # spawn hands every process the parent's tensors in shared memory: without a copy of its own,
        # each process would step the same weights as the other (and race with it)
        ddp = DistributedDataParallel(copy.deepcopy(model))
        dataset = TensorDataset(*(torch.from_numpy(a) for a in data))
        sampler = DistributedSampler(dataset, world_size, rank, shuffle=True, seed=settings["seed"])
        loader = DataLoader(dataset, batch_size=settings["batch_size"], sampler=sampler)
        optimizer = torch.optim.Adam(ddp.parameters(), lr=settings["lr"])
        for epoch in range(settings["epochs"]):
            sampler.set_epoch(epoch)  # a new split of the data every epoch
            for x, y in loader:
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(ddp(x), y).backward()  # gradients all-reduced here
                optimizer.step()
        torch.save(ddp.module.state_dict(), Path(folder) / f"replica{rank}.pt")
    finally:
        dist.destroy_process_group()


def main(train_size: int = 6000, ddp_epochs: int = 2, seed: int = 0, workers: int = 2) -> dict[str, Any]:
    import onnxruntime
    import torch
    import torch.multiprocessing as mp

    import deepstep as ds
    import deepstep.onnx
    from deepstep import datasets
    from deepstep.interop import from_torch, to_torch
    from deepstep.models import MLP

    (x, y), (x_test, y_test) = datasets.load_mnist()
    x, y = x[:train_size].reshape(train_size, -1), y[:train_size]
    x_test = x_test.reshape(len(x_test), -1)

    # 1. deepstep: one epoch on a CPU
    ds.manual_seed(seed)
    model = MLP([784, 128, 10])
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=64, verbose=0, seed=seed)
    deepstep_accuracy = model.evaluate(x_test, y_test)["accuracy"]

    # 2. the same network in PyTorch
    torch_model = to_torch(model)
    with torch.no_grad():
        handover = np.abs(torch_model(torch.from_numpy(x_test)).numpy() - model.predict(x_test)).max()

    # 3. DistributedDataParallel on `workers` processes of this machine
    settings = {"epochs": ddp_epochs, "batch_size": 64, "lr": 1e-3, "seed": seed}
    with tempfile.TemporaryDirectory() as folder:
        args = (workers, _free_port(), torch_model, (x, y), settings, folder)
        mp.spawn(_worker, args=args, nprocs=workers, join=True)
        replicas = [torch.load(Path(folder) / f"replica{rank}.pt") for rank in range(workers)]
    identical = all(torch.equal(replicas[0][k], r[k]) for r in replicas[1:] for k in replicas[0])
    torch_model.load_state_dict(replicas[0])
    with torch.no_grad():
        torch_logits = torch_model(torch.from_numpy(x_test)).numpy()

    # 4. back in deepstep, exported to ONNX, served by ONNX Runtime
    trained = from_torch(torch_model)
    deepstep_logits = trained.predict(x_test)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mnist_mlp.onnx"
        ds.onnx.export(trained, x_test[:1], path, input_names=["pixels"], output_names=["logits"])
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        onnx_logits = session.run(["logits"], {"pixels": x_test})[0]

    # 5. one model, three runtimes
    def accuracy(logits: np.ndarray) -> float:
        return float((logits.argmax(axis=1) == y_test).mean())

    return {
        "deepstep_accuracy": deepstep_accuracy,
        "handover_difference": float(handover),
        "replicas_identical": identical,
        "torch_accuracy": accuracy(torch_logits),
        "deepstep_after_ddp_accuracy": accuracy(deepstep_logits),
        "onnx_accuracy": accuracy(onnx_logits),
        "max_logit_difference": float(
            max(np.abs(onnx_logits - torch_logits).max(), np.abs(deepstep_logits - torch_logits).max())
        ),
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key:28s} {value}")
