"""Teacher notes on pupils (filled in by its issue)."""

__all__ = []
