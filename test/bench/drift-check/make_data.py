"""Writes the two CSV files of `npm run bench:drift-check`: N rows x 20 columns (15 numerical,
5 categorical), the current file with a shift in n01-n03 and a new category in c01.
Run:  python3 make_data.py OUT_DIR N
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def frame(rng, n, drifted):
    cols = {}
    for i in range(1, 16):
        shift = 0.5 if drifted and i <= 3 else 0.0
        cols[f"n{i:02d}"] = np.round(rng.normal(10 * i + shift * i, i, n), 4)
    for i in range(1, 6):
        k = 3 + i  # c01 has 4 categories, c05 has 8 (letters a..)
        values = np.array([chr(ord("a") + j) for j in range(k)])[rng.integers(0, k, n)]
        if drifted and i == 1:
            values = np.where(rng.random(n) < 0.1, "new", values)
        cols[f"c{i:02d}"] = values
    return pd.DataFrame(cols)


def main():
    out, n = Path(sys.argv[1]), int(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    frame(np.random.default_rng(1), n, False).to_csv(out / "reference.csv", index=False)
    frame(np.random.default_rng(2), n, True).to_csv(out / "current.csv", index=False)


if __name__ == "__main__":
    main()
