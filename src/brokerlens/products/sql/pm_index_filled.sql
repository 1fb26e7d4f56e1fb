-- pm_index_filled: the close of each benchmark index on every date a product has a NAV (or the
-- index a close), carried forward from its last close on or before that date; no rows before
-- an index's first close or after its last one (a stale close never stands in).
-- grain: one row per index named by a resolved benchmark and date in its span
-- columns: index_id, biz_date, close
-- reads: pm_index (index_quotes up to T), pm_bench_parts, pm_series
WITH idx AS (
    SELECT index_id, biz_date, CAST(close AS DOUBLE) AS close
    FROM pm_index
    WHERE biz_date <= :as_of AND close > 0
        AND index_id IN (SELECT index_id FROM pm_bench_parts)
),
spans AS (
    SELECT index_id, min(biz_date) AS first_date, max(biz_date) AS last_date
    FROM idx
    GROUP BY index_id
),
dates AS (
    SELECT biz_date FROM pm_series
    UNION
    SELECT biz_date FROM idx
),
grid AS (
    SELECT sp.index_id, d.biz_date, i.close
    FROM spans sp
    JOIN dates d ON d.biz_date >= sp.first_date AND d.biz_date <= sp.last_date
    LEFT JOIN idx i ON i.index_id = sp.index_id AND i.biz_date = d.biz_date
),
runs AS (
    SELECT index_id, biz_date, close,
        count(close) OVER (
            PARTITION BY index_id ORDER BY biz_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS run
    FROM grid
)
SELECT index_id, biz_date, max(close) OVER (PARTITION BY index_id, run) AS close
FROM runs
