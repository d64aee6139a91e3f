"""The Auto MPG data module: the table, its checksum, and the book's split."""

from __future__ import annotations

import mlxtend.data
import numpy as np
import pytest

from mechanics import autompg
from mechanics.autompg import AutoMPGDataError, load_autompg


def test_table_has_the_book_columns_and_dtypes():
    df = load_autompg()
    assert df.shape == (392, 8)
    assert list(df.columns) == [
        "MPG",
        "Cylinders",
        "Displacement",
        "Horsepower",
        "Weight",
        "Acceleration",
        "Model Year",
        "Origin",
    ]
    integers = {"Cylinders", "Model Year", "Origin"}
    for column in df.columns:
        expected = np.int64 if column in integers else np.float64
        assert df[column].dtype == expected, column
    assert not df.isna().any().any()
    assert sorted(df["Origin"].unique()) == [1, 2, 3]
    assert (df["Model Year"].min(), df["Model Year"].max()) == (70, 82)
    # The UCI file's first car, a Chevrolet Chevelle Malibu.
    assert df.iloc[0].tolist() == [18.0, 8, 307.0, 130.0, 3504.0, 12.0, 70, 1]


def test_book_split_sizes():
    from sklearn.model_selection import train_test_split  # not at collection

    df_train, df_test = train_test_split(load_autompg(), test_size=0.2, random_state=1)
    assert (len(df_train), len(df_test)) == (313, 79)


def _changed_source(monkeypatch, change):
    original = mlxtend.data.autompg_data

    def fake():
        X, y = original()
        return change(X.copy(), y.copy())

    monkeypatch.setattr(mlxtend.data, "autompg_data", fake)


def test_changed_value_fails_the_checksum(monkeypatch):
    def change(X, y):
        y[0] += 0.1
        return X, y

    _changed_source(monkeypatch, change)
    with pytest.raises(AutoMPGDataError) as info:
        load_autompg()
    message = str(info.value)
    assert "does not match its checksum" in message
    assert autompg.SHA256 in message
    assert f"mlxtend=={autompg.MLXTEND_VERSION}" in message


def test_missing_rows_name_the_shape(monkeypatch):
    _changed_source(monkeypatch, lambda X, y: (X[:-1], y[:-1]))
    with pytest.raises(AutoMPGDataError, match=r"shape \(391, 8\), expected"):
        load_autompg()


def test_unreadable_source_says_how_to_fix_it(monkeypatch):
    def missing():
        raise FileNotFoundError("autompg.csv.gz not found")

    monkeypatch.setattr(mlxtend.data, "autompg_data", missing)
    with pytest.raises(AutoMPGDataError, match="cannot read") as info:
        load_autompg()
    assert "pip install --force-reinstall mlxtend==" in str(info.value)
