"""A text shown on the course page (its ``intro``): read there, not counted in progress."""

from cartable.catalog.kinds import Kind, register

KIND = register(Kind("label", studied=False, fixed_minutes=0))
