-- Accuracy per model version and window of prediction time, re-published as labels arrive.

-- migrate:up

-- Long format: one row per window × class × metric ('' for the whole window, a class name for
-- per-class precision, recall, f1 and support). version = the number of labelled predictions the
-- window was computed from, so it grows as labels arrive and a recomputation after a restart
-- writes the same version (ReplacingMergeTree keeps one). Analysts read the latest with FINAL
-- or argMax(value, version).
CREATE TABLE IF NOT EXISTS {db:Identifier}.performance_windows
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    task LowCardinality(String) COMMENT 'binary, multiclass or regression',
    class String COMMENT 'empty for the window; a class for per-class metrics',
    metric LowCardinality(String) COMMENT 'accuracy, precision, recall, f1, roc_auc, log_loss, brier, mae, ... (docs/metrics.md)',
    value Nullable(Float64) COMMENT 'NULL when undefined for the window',
    n_predictions UInt64,
    n_labelled UInt64,
    label_coverage Nullable(Float64),
    version UInt64,
    computed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, model_version, class, metric)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.performance_windows;
