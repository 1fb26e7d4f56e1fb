-- channel_versions: the customers feed's versions the channel and timing analyses read, once
--   per run (the history view is computed again by every query that reads it).
-- grain: one row per customer and delivered version
-- columns: customer_id, branch_id, open_channel ('unknown' when missing), open_date,
--   valid_from, valid_to (exclusive, NULL = still valid)
SELECT
    customer_id,
    branch_id,
    coalesce(open_channel, 'unknown') AS open_channel,
    open_date,
    valid_from,
    valid_to
FROM customers_history
