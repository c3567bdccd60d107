"""A page: its text is the activity's ``content`` (no data of its own)."""

from cartable.catalog.kinds import Kind, register

KIND = register(Kind("page"))
