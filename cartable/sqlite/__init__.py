"""The SQLite database backend of the box (``ENGINE: cartable.sqlite``): see ``base``."""
