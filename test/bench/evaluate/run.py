"""`npm run bench:evaluate`: `vigil evaluate --json` on N prediction events and their labels
(NDJSON, default 1M each), next to pandas + scikit-learn + Fairlearn computing the same report
(sklearn_check.py) in the same run: wall time and peak RSS of each, and how far apart their
numbers are.
Run:  python3 run.py [N]      (BENCH_ROWS also sets N)
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parent / "drift-check"))
from run import timed  # noqa: E402  (the drift-check bench's timer)

CONFIG = """models:
  m:
    task: binary
    positive_class: "1"
    sensitive_attributes:
      g: { reference_group: f }
      r: { reference_group: eu }
"""


def main():
    n = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_ROWS", "1000000"))
    work = Path(tempfile.mkdtemp(prefix="vigil-evaluate-"))
    print(f"writing {n} prediction and {n} label events to {work} ...", flush=True)
    subprocess.run([sys.executable, HERE / "make_data.py", work, str(n)], check=True)
    preds, labels = work / "predictions.ndjson", work / "labels.ndjson"
    (work / "vigil.yaml").write_text(CONFIG)
    sizes = f"{preds.stat().st_size / 2**20:.0f} + {labels.stat().st_size / 2**20:.0f} MiB"

    vigil_s, vigil_rss = timed(
        ["node", ROOT / "services/cli/bin/vigil.mjs", "evaluate", "-p", preds, "-l", labels,
         "--config", work / "vigil.yaml", "--json"],
        work / "vigil.json",
    )
    sk_s, sk_rss = timed([sys.executable, HERE / "sklearn_check.py", preds, labels], work / "sklearn.json")

    vigil = json.loads((work / "vigil.json").read_text())
    theirs = json.loads((work / "sklearn.json").read_text())
    worst = {}
    for metric, value in theirs["performance"].items():
        worst[metric] = abs(vigil["performance"][metric] - value)
    for attribute, f in theirs["fairness"].items():
        ours = vigil["fairness"][attribute]
        for group, rates in f["groups"].items():
            for k, v in rates.items():
                worst[k] = max(worst.get(k, 0.0), abs(ours["groups"][group][k] - v))
        for k, v in f["summary"].items():
            worst[k] = max(worst.get(k, 0.0), abs(ours["summary"][k] - v))

    rows = [
        ("files", f"{n} predictions + {n} labels, NDJSON, {sizes}"),
        ("vigil evaluate --json (the engine reads the files)", f"{vigil_s:.1f} s, peak RSS {vigil_rss:.0f} MiB"),
        ("pandas.read_json + scikit-learn + Fairlearn (sklearn_check.py)", f"{sk_s:.1f} s, peak RSS {sk_rss:.0f} MiB"),
        ("vigil / scikit-learn time", f"{vigil_s / sk_s:.2f}"),
    ]
    rows += [(f"largest |vigil - scikit-learn| of {m}", f"{d:.2e}") for m, d in sorted(worst.items())]
    print()
    for k, v in rows:
        print(f"{k:<66} {v}")
    print(json.dumps({
        "bench": "evaluate", "rows": n,
        "vigilSeconds": round(vigil_s, 2), "sklearnSeconds": round(sk_s, 2),
        "vigilPeakRssMiB": round(vigil_rss), "sklearnPeakRssMiB": round(sk_rss),
        "maxAbsDiff": {m: float(f"{d:.3g}") for m, d in worst.items()},
    }))


if __name__ == "__main__":
    main()
