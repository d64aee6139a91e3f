"""What one listing did, as the worker reported it (and the cache keeps it)."""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field


@dataclass
class Result:
    """What one listing did: its stdout, figures (PNG bytes), error, time."""

    stdout: str = ""
    figures: list[bytes] = field(default_factory=list)
    # The same figures recoloured for a dark page, in the same order.
    dark_figures: list[bytes] = field(default_factory=list)
    error: str | None = None
    error_line: int | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped_because: str | None = None
    device: str = "cpu"
    # Why the page's process was stopped during this listing (time limit,
    # the interpreter ended): a sentence that follows the listing's name.
    halted: str | None = None
    # The value of a last line that is an expression, which Jupyter would
    # show under the cell (its repr), if it is not None.
    shown: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None and self.skipped_because is None and self.halted is None
        )

    def to_json(self) -> dict:
        """Plain JSON values; lists of bytes (images) as base64 text."""
        out = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.type == "list[bytes]":
                value = [base64.b64encode(v).decode("ascii") for v in value]
            out[item.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict) -> Result:
        values = {}
        for item in dataclasses.fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            if item.type == "list[bytes]":
                value = [base64.b64decode(v) for v in value]
            values[item.name] = value
        return cls(**values)
