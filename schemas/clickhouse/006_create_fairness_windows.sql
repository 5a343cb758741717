-- Fairness per model version, window of prediction time, sensitive attribute and group.

-- migrate:up

-- Long format: one row per window × attribute × group × metric; reference_group names the group
-- the differences and ratios are taken against. version = predictions + labelled predictions
-- of the window, so it grows as either arrives and a recomputation writes the same version.
CREATE TABLE IF NOT EXISTS {db:Identifier}.fairness_windows
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    attribute LowCardinality(String),
    reference_group String,
    group String,
    metric LowCardinality(String) COMMENT 'selection_rate, tpr, fpr, precision, disparate_impact, ... (docs/metrics.md)',
    value Nullable(Float64) COMMENT 'NULL when undefined for the group',
    n UInt64 COMMENT 'predictions of the group',
    n_labelled UInt64,
    version UInt64,
    computed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, model_version, attribute, group, metric)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.fairness_windows;
