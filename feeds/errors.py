"""Exceptions for structurally unusable input (bad *entities* are counted, not raised)."""


class FeedError(Exception):
    """A feed cannot be used at all; the message names the file, row and reason."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None) -> None:
        where = ""
        if file is not None:
            where = f"{file}" + (f", row {row}" if row is not None else "") + ": "
        super().__init__(where + message)
        self.file = file
        self.row = row
        self.reason = message


class MissingFileError(FeedError):
    """A required file of the feed is absent."""


class UnsafeArchiveError(FeedError):
    """A zip archive is too large, too compressed (zip bomb) or has an unsafe entry name."""


class BundleError(FeedError):
    """A city bundle is unusable (no GTFS, bad city.toml, ...)."""
