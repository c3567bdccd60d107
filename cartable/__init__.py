"""Cartable: an offline learning box for learners without Internet."""

__version__ = "0.1.0"
