-- Accuracy and fairness windows recomputed at a bounded rate: a window that a batch touches
-- within performance.republish_interval (fairness.republish_interval) of its last computation
-- waits until then, and is computed once for every batch that touched it meanwhile. The waiting
-- windows are the only state of those services; they are written before the batch's offsets are
-- committed, so a window whose recomputation was put off is not forgotten by a crash.

-- migrate:up

-- One row per (consumer group, input partition, window); seq (wall ms of the write) orders its
-- states, the newest wins: waiting (due at `due`), then done. A row is dropped a month after its
-- `due`: a waiting row is always older than the done row that ends it.
CREATE TABLE IF NOT EXISTS {db:Identifier}.window_schedule
(
    consumer_group LowCardinality(String),
    topic LowCardinality(String),
    partition UInt32,
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    due DateTime64(3, 'UTC') COMMENT 'waiting: when the window may be computed; done: when it was',
    status Enum8('waiting' = 1, 'done' = 2),
    seq UInt64
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (consumer_group, topic, partition, model_id, model_version, window_start)
TTL toDateTime(due) + INTERVAL 30 DAY;

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.window_schedule;
