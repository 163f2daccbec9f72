"""newsdigest: a static site generator for a news digest."""
__version__ = "0.1.0"
