"""A web address: shown as text (the box has no Internet)."""

from cartable.catalog.kinds import Kind, register
from cartable.importers.model import UrlContent


def _address(data: UrlContent) -> str:
    return data.address


KIND = register(Kind("url", data=UrlContent, fixed_minutes=1, plain=_address))
