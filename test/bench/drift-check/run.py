"""`npm run bench:drift-check`: `vigil drift-check --json` on two N-row x 20-column CSV files
(default 1M), next to pandas + SciPy computing the same statistics (scipy_check.py) in the same
run: wall time and peak RSS of each, and how far apart their numbers are; with EVIDENTLY_PYTHON
(set by drift-check.bench.sh under BENCH_EVIDENTLY=1) Evidently's DataDriftPreset as well.
Run:  python3 run.py [N]      (BENCH_ROWS also sets N)
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def timed(argv, out_path):
    """Runs argv with stdout to out_path; returns (seconds, peak RSS MiB of it and its children)."""
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: drift found (--fail-on-drift unused)
        sys.exit(f"{argv[0]} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def main():
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_ROWS", "1000000"))
    work = Path(tempfile.mkdtemp(prefix="vigil-drift-check-"))
    print(f"writing two {n}-row x 20-column CSV files to {work} ...", flush=True)
    subprocess.run([sys.executable, HERE / "make_data.py", work, str(n)], check=True)
    ref, cur = work / "reference.csv", work / "current.csv"
    size = (ref.stat().st_size + cur.stat().st_size) / 2 / 2**20  # per file

    vigil_s, vigil_rss = timed(
        ["node", ROOT / "services/cli/bin/vigil.mjs", "drift-check", "--reference", ref, "--current", cur, "--json"],
        work / "vigil.json",
    )
    scipy_s, scipy_rss = timed([sys.executable, HERE / "scipy_check.py", ref, cur], work / "scipy.json")

    evidently = os.environ.get("EVIDENTLY_PYTHON")
    if evidently:
        evidently_s, evidently_rss = timed([evidently, HERE / "evidently_check.py", ref, cur], work / "evidently.json")

    vigil = json.loads((work / "vigil.json").read_text())["features"]
    scipy = json.loads((work / "scipy.json").read_text())["features"]
    worst = {}  # metric -> largest absolute difference over the columns
    for name, theirs in scipy.items():
        ours = vigil[name]
        assert ours["type"] == theirs["type"], f"{name}: {ours['type']} vs {theirs['type']}"
        for metric, value in theirs.items():
            if metric == "type":
                continue
            worst[metric] = max(worst.get(metric, 0.0), abs(ours[metric] - value))
    drifted = sorted(k for k, v in vigil.items() if v["drifted"])

    rows = [
        ("files", f"2 x {n} rows x 20 columns (15 numerical, 5 categorical), {size:.0f} MiB each"),
        ("vigil drift-check --json", f"{vigil_s:.1f} s, peak RSS {vigil_rss:.0f} MiB"),
        ("pandas.read_csv + NumPy + SciPy (scipy_check.py)", f"{scipy_s:.1f} s, peak RSS {scipy_rss:.0f} MiB"),
        ("vigil / SciPy time", f"{vigil_s / scipy_s:.2f}"),
        ("columns found drifted by vigil", ", ".join(drifted)),
    ]
    if evidently:
        rows += [
            ("Evidently DataDriftPreset (evidently_check.py)", f"{evidently_s:.1f} s, peak RSS {evidently_rss:.0f} MiB"),
            ("Evidently / vigil time", f"{evidently_s / vigil_s:.1f}"),
        ]
    rows += [(f"largest |vigil - SciPy| of {m}", f"{d:.2e}") for m, d in sorted(worst.items())]
    print()
    for k, v in rows:
        print(f"{k:<64} {v}")
    print(json.dumps({
        "bench": "drift-check", "rows": n,
        "vigilSeconds": round(vigil_s, 2), "scipySeconds": round(scipy_s, 2),
        "vigilPeakRssMiB": round(vigil_rss), "scipyPeakRssMiB": round(scipy_rss),
        "maxAbsDiff": {m: float(f"{d:.3g}") for m, d in worst.items()},
        **({"evidentlySeconds": round(evidently_s, 2), "evidentlyPeakRssMiB": round(evidently_rss)} if evidently else {}),
    }))


if __name__ == "__main__":
    main()
