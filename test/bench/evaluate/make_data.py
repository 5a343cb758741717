"""Writes the two NDJSON files of `npm run bench:evaluate`: N prediction events of a binary model
`m` (20 features, a score, the predicted label, attributes g and r, two versions) and a label
event for each, the truth drawn with P(positive) = the score.
Run:  python3 make_data.py OUT_DIR N
"""
import json
import random
import sys
from pathlib import Path


def main():
    out, n = Path(sys.argv[1]), int(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    with open(out / "predictions.ndjson", "w") as p, open(out / "labels.ndjson", "w") as l:
        for i in range(n):
            s = rng.random()
            features = {f"n{j:02d}": round(rng.gauss(10 * j, j), 4) for j in range(1, 16)}
            features.update({f"c{j:02d}": rng.choice("abcdefgh"[: 3 + j]) for j in range(1, 6)})
            p.write(json.dumps({
                "schema_version": 1, "prediction_id": f"p{i}", "model_id": "m",
                "model_version": "v1" if i % 2 else "v2", "timestamp": "2026-11-24T10:00:00.000Z",
                "features": features, "prediction": {"label": "1" if s > 0.5 else "0", "score": round(s, 4)},
                "attributes": {"g": rng.choice("fm"), "r": rng.choice(["eu", "us", "asia"])},
            }) + "\n")
            truth = "1" if rng.random() < s else "0"
            l.write(json.dumps({
                "schema_version": 1, "prediction_id": f"p{i}", "model_id": "m",
                "timestamp": "2026-11-25T10:00:00Z", "label": truth,
            }) + "\n")


if __name__ == "__main__":
    main()
