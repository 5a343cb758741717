"""The Evidently side of `BENCH_EVIDENTLY=1 npm run bench:drift-check`: Evidently's
DataDriftPreset on the same two CSV files, as its documentation runs it (pandas frames, a
Report with the preset, run). Prints each column's drift method and score, as JSON.

Run:  python3 evidently_check.py reference.csv current.csv > report.json
"""
import json
import sys
import warnings

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def main():
    warnings.simplefilter("ignore")  # SciPy's divide-by-zero warnings on new categories
    reference = pd.read_csv(sys.argv[1])
    current = pd.read_csv(sys.argv[2])
    snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
    result = snapshot.dict()
    columns = []
    for metric in result.get("metrics", []):
        name = str(metric.get("metric_name", ""))
        # ValueDrift(column=a,method=K-S p_value,threshold=0.05): one per column, its score.
        if name.startswith("ValueDrift("):
            fields = dict(part.split("=", 1) for part in name[len("ValueDrift(") : -1].split(","))
            columns.append({"column": fields["column"], "method": fields.get("method"), "score": float(metric["value"])})
    json.dump({"columns": columns}, sys.stdout)


if __name__ == "__main__":
    main()
