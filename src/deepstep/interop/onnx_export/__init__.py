"""ONNX export by walking the module tree (not by tracing): each deepstep module class has a
converter that writes its ONNX nodes (table.py), parameters become initializers named as in
state_dict(). Imports the `onnx` package; deepstep.onnx.export imports this lazily."""

from .exporting import DEFAULT_OPSET, MIN_OPSET, build, save
from .table import CONVERTERS, METHODS

__all__ = ["CONVERTERS", "DEFAULT_OPSET", "METHODS", "MIN_OPSET", "build", "save"]
