"""Datasets and the DataLoader that cuts them into (reshuffled) mini-batches."""

from .loader import DataLoader, Dataset, TensorDataset

__all__ = ["DataLoader", "Dataset", "TensorDataset"]
