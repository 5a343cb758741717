-- Drift windows written as they grow: each batch of the drift service adds one mergeable partial
-- state per (model, version, window) it touched, with an entry per feature, instead of re-writing every open window
-- of its partition. A closed window is the merge of its partials (one GROUP BY); analysts can
-- merge hourly partials into days the same way (docs/analysts.md).

-- migrate:up

-- One row per batch × window: what that batch added to the window, a Nested entry per feature
-- (`ARRAY JOIN features` gives a row per feature). One row per window rather than per feature:
-- a trickle touches a window per event, and 23 rows per event made the drift service use 61% of
-- a core at 500 events/s into 500 models' windows, 24% with a row per window (bench:fleet). ENGINE: plain MergeTree, not AggregatingMergeTree:
-- the sample (the values with the smallest hashes of their prediction ids) cannot be cut back by
-- a SimpleAggregateFunction, so merging rows in the background would save little, and each row
-- keeps the offsets of the batch that wrote it: the drift service resumes after the highest
-- stored one (a high-water mark). No PARTITION BY: one insert is one part, so a batch's partials
-- are stored whole or not at all (a monthly key would split a batch at a month boundary).
-- ORDER BY: a window's partials are read together at close and by analysts.
CREATE TABLE IF NOT EXISTS {db:Identifier}.drift_partials
(
    model_id LowCardinality(String),
    model_version LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    baseline String COMMENT 'the uploaded baseline whose bins `features.bins` counts over, empty when none',
    kafka_topic LowCardinality(String),
    kafka_partition UInt32,
    first_offset UInt64 COMMENT 'offsets of the batch that wrote the row',
    last_offset UInt64,
    events UInt64 COMMENT 'events the batch added to the window',
    -- Per feature (a feature, __score__ or __label__): values of its type (count), type mismatches,
    -- numerical values outside the baseline's [min, max] (out_of_range), sum, sum of squares, min,
    -- max, counts over the baseline's bins (sumForEach merges them), counts per category (sumMap),
    -- and the sample: the values with the smallest hashes of their prediction ids, whose k smallest
    -- after a merge are a sample of the merged window. Nested columns take no COMMENT.
    features Nested(
        name String,
        type LowCardinality(String),
        count UInt64,
        type_mismatches UInt64,
        out_of_range UInt64,
        sum Float64,
        sum_squares Float64,
        min Nullable(Float64),
        max Nullable(Float64),
        bins Array(UInt64),
        categories Map(String, UInt64),
        sample_hashes Array(UInt64),
        sample_values Array(Float64)
    ),
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (model_id, model_version, window_start, kafka_partition, first_offset)
TTL toDateTime(window_start) + INTERVAL 180 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- The drift service's clock per partition: one row per model (watermark, open windows, windows
-- closed and waiting to be evaluated) and one for the partition (key '', the offset to resume
-- from). A batch writes the rows of the models it touched and the partition row in one insert
-- (one part: stored together or not at all). ReplacingMergeTree(seq): the newest row per key wins.
CREATE TABLE IF NOT EXISTS {db:Identifier}.drift_state
(
    consumer_group String,
    topic String,
    partition UInt32,
    key String COMMENT 'model id, or empty for the partition row',
    seq UInt64,
    next_offset UInt64,
    state String CODEC(ZSTD(3)),
    saved_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY (consumer_group, topic, partition, key)
SETTINGS non_replicated_deduplication_window = 10000;

-- The whole-partition checkpoint these replace. A drift service upgraded from it resumes at its
-- committed offsets with no open windows: the windows open at the upgrade count only later events.
DROP TABLE IF EXISTS {db:Identifier}.consumer_checkpoints;

-- migrate:down

DROP TABLE IF EXISTS {db:Identifier}.drift_state;
DROP TABLE IF EXISTS {db:Identifier}.drift_partials;
