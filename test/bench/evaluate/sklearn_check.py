"""The scikit-learn side of `npm run bench:evaluate`: what `vigil evaluate --json` reports for
the two NDJSON files, computed the way a data scientist would: pandas reads both files, joins
them on prediction_id, scikit-learn scores the predictions and Fairlearn's MetricFrame splits
them by group. Prints the numbers vigil's report names, as JSON.
Run:  python3 sklearn_check.py predictions.ndjson labels.ndjson > report.json
"""
import json
import sys

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame, demographic_parity_difference, demographic_parity_ratio,
    equalized_odds_difference, false_positive_rate, selection_rate, true_positive_rate,
)
from sklearn import metrics


def main():
    predictions = pd.read_json(sys.argv[1], lines=True, dtype={"prediction_id": str})
    labels = pd.read_json(sys.argv[2], lines=True, dtype={"prediction_id": str, "label": str})
    predicted = pd.json_normalize(predictions["prediction"])
    attributes = pd.json_normalize(predictions["attributes"])
    frame = pd.concat([predictions[["prediction_id"]], predicted, attributes], axis=1)
    joined = frame.merge(labels[["prediction_id", "label"]].rename(columns={"label": "truth"}), on="prediction_id")
    y, p = joined["truth"].to_numpy(), joined["label"].to_numpy()
    score = joined["score"].to_numpy()
    y1, p1 = (y == "1").astype(int), (p == "1").astype(int)
    report = {
        "accuracy": metrics.accuracy_score(y, p),
        "precision": metrics.precision_score(y, p, pos_label="1"),
        "recall": metrics.recall_score(y, p, pos_label="1"),
        "f1": metrics.f1_score(y, p, pos_label="1"),
        "f1_macro": metrics.f1_score(y, p, average="macro"),
        "f1_weighted": metrics.f1_score(y, p, average="weighted"),
        "roc_auc": metrics.roc_auc_score(y1, score),
        "log_loss": metrics.log_loss(y1, np.column_stack([1 - score, score])),
        "brier": metrics.brier_score_loss(y1, score),
    }
    fairness = {}
    for attribute in ("g", "r"):
        group = joined[attribute]
        # Selection rates over every prediction, the label-based rates over the labelled ones
        # (every prediction is labelled here, so both are over the same rows).
        frame = MetricFrame(
            metrics={"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
            y_true=y1, y_pred=p1, sensitive_features=group,
        )
        fairness[attribute] = {
            "groups": {g: {k: float(v) for k, v in row.items()} for g, row in frame.by_group.iterrows()},
            "summary": {
                "demographic_parity_difference": demographic_parity_difference(y1, p1, sensitive_features=group),
                "demographic_parity_ratio": demographic_parity_ratio(y1, p1, sensitive_features=group),
                "equalized_odds_difference": equalized_odds_difference(y1, p1, sensitive_features=group),
            },
        }
    json.dump({"performance": report, "fairness": fairness}, sys.stdout)


if __name__ == "__main__":
    main()
