-- Every alert state change, for `GET /v1/alerts/history` and analysts: `alerts` keeps only each
-- alert's current state, and `notifications` only the changes someone was told about.

-- migrate:up

-- One row per change, the same fields as the vigil.alerts event. An evaluation replayed after a
-- crash writes the same (alert_key, window_start, transition) row again: the sort key makes the
-- replay collapse into it on merge (and FINAL), the dedup token drops the repeated block at once.
CREATE TABLE IF NOT EXISTS {db:Identifier}.alert_history
(
    alert_key String COMMENT 'rule|model|version|subject',
    rule LowCardinality(String),
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    subject String COMMENT 'feature, attribute=group, or empty for a model-level metric',
    transition LowCardinality(String) COMMENT 'pending, firing, repeat, resolved or cleared (pending that did not fire)',
    status LowCardinality(String) COMMENT 'the status after the change',
    severity LowCardinality(String),
    value Nullable(Float64) COMMENT 'the metric in the window that caused the change',
    episode String COMMENT 'id of the firing episode, empty when none',
    window_start DateTime64(3, 'UTC') COMMENT 'the window whose evaluation changed the state',
    window_end DateTime64(3, 'UTC'),
    recorded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (model_id, window_start, alert_key, transition)
TTL toDateTime(window_start) + INTERVAL 730 DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.alert_history;
