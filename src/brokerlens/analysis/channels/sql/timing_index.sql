-- timing_index: the market index the timing page compares against, per day over
--   [:since, :as_of]: 000001.SH when the feed has it, else the first index id it has.
-- grain: one row per biz_date
-- columns: biz_date, index_id, close, prev_close, change (close / prev_close - 1; NULL when
--   prev_close is 0 or missing)
WITH quotes AS (
    SELECT biz_date, index_id, close, prev_close
    FROM channel_index_quotes
    WHERE biz_date >= :since AND biz_date <= :as_of
),
pick AS (
    SELECT
        CASE WHEN count(*) FILTER (WHERE index_id = '000001.SH') > 0 THEN '000001.SH'
            ELSE min(index_id) END AS index_id
    FROM quotes
)
SELECT
    q.biz_date,
    q.index_id,
    CAST(q.close AS DOUBLE) AS close,
    CAST(q.prev_close AS DOUBLE) AS prev_close,
    CAST(q.close AS DOUBLE) / NULLIF(CAST(q.prev_close AS DOUBLE), 0) - 1 AS change
FROM quotes AS q
JOIN pick AS p ON p.index_id = q.index_id
ORDER BY q.biz_date
