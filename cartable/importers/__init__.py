"""Importers: pure Python (no Django), an archive in, a frozen-dataclass course model out.

Start with ``registry.detect`` and ``registry.load``; the model is in ``model``.
"""
