"""The SciPy side of `npm run bench:drift-check`: the statistics of `vigil drift-check --json`
for two CSV files, computed the way a data scientist would with pandas, NumPy and SciPy.

Run:  python3 scipy_check.py reference.csv current.csv > report.json
The definitions are those of shared/stats/fixtures/generate.py (the fixtures the TypeScript
statistics are tested against); only the categorical counts are vectorised here for 1M rows.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "shared" / "stats" / "fixtures"))
from generate import categorical_counts, numerical  # noqa: E402  (the fixtures' definitions)


def categorical(reference, current):
    ref_cats, ref_counts = np.unique(reference, return_counts=True)
    cur_cats, cur_counts = np.unique(current, return_counts=True)
    cats = list(ref_cats) + sorted(set(cur_cats) - set(ref_cats))
    r = pd.Series(ref_counts, index=ref_cats).reindex(cats, fill_value=0).to_numpy(dtype=float)
    c = pd.Series(cur_counts, index=cur_cats).reindex(cats, fill_value=0).to_numpy(dtype=float)
    return categorical_counts(r, c, len(ref_cats))


def main():
    reference = pd.read_csv(sys.argv[1])
    current = pd.read_csv(sys.argv[2])
    features = {}
    for name in reference.columns:
        ref, cur = reference[name].dropna(), current[name].dropna()
        if pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(cur):
            features[name] = {"type": "numerical", **numerical(ref.to_numpy(float), cur.to_numpy(float))}
        else:
            features[name] = {"type": "categorical", **categorical(ref.astype(str).to_numpy(), cur.astype(str).to_numpy())}
    json.dump({"features": features}, sys.stdout)


if __name__ == "__main__":
    main()
