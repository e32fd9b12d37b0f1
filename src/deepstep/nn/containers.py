"""Containers beyond Sequential and ModuleList: ModuleDict, ParameterList, ParameterDict."""

from __future__ import annotations

__all__: list[str] = []
