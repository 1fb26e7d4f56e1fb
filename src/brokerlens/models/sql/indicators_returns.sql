-- indicators_returns: money-weighted returns (modified Dietz) against the index, and profit rates.
-- Each period runs from the close of a start day to the close of an end day; flows are the
-- transfers strictly after the start day up to the end day, each weighted by the share of the
-- period still to run after it: sum(flow) - (flow_epoch - epoch(start) * sum(flow)) / days.
-- grain: one row per customer of customers_asof
-- columns: customer_id, return_3m, return_6m, index_return_3m, index_return_6m,
--   profit_ytd_rate, profit_per_turnover
WITH at_t AS (
    SELECT customer_id, CAST(total_assets AS DOUBLE) AS assets
    FROM customer_day WHERE biz_date = :as_of
),
start_3m AS (
    SELECT customer_id, CAST(total_assets AS DOUBLE) AS assets
    FROM customer_day WHERE biz_date = :return_start_3m
),
start_6m AS (
    SELECT customer_id, CAST(total_assets AS DOUBLE) AS assets
    FROM customer_day WHERE biz_date = :return_start_6m
),
start_ytd AS (
    SELECT customer_id, CAST(total_assets AS DOUBLE) AS assets
    FROM customer_day WHERE biz_date = :return_start_ytd
),
start_month AS (
    SELECT customer_id, CAST(total_assets AS DOUBLE) AS assets
    FROM customer_day WHERE biz_date = :return_start_month
),
end_month AS (
    SELECT customer_id, CAST(total_assets AS DOUBLE) AS assets
    FROM customer_day WHERE biz_date = :return_end_month
),
index_close AS (
    SELECT
        max(CASE WHEN biz_date = :as_of THEN CAST(close AS DOUBLE) END) AS close_t,
        max(CASE WHEN biz_date = :return_start_3m THEN CAST(close AS DOUBLE) END) AS close_3m,
        max(CASE WHEN biz_date = :return_start_6m THEN CAST(close AS DOUBLE) END) AS close_6m
    FROM index_quotes
    WHERE index_id = :index_id
        AND biz_date IN (:as_of, :return_start_3m, :return_start_6m)
),
legs AS (
    SELECT
        c.customer_id,
        coalesce(t.assets, 0) AS v1,
        coalesce(s3.assets, 0) AS v0_3m,
        CAST(coalesce(f3.transfer_in - f3.transfer_out, 0) AS DOUBLE) AS flow_3m,
        CAST(coalesce(f3.flow_epoch, 0) AS DOUBLE) AS flow_epoch_3m,
        coalesce(s6.assets, 0) AS v0_6m,
        CAST(coalesce(f6.transfer_in - f6.transfer_out, 0) AS DOUBLE) AS flow_6m,
        CAST(coalesce(f6.flow_epoch, 0) AS DOUBLE) AS flow_epoch_6m,
        coalesce(sy.assets, 0) AS v0_ytd,
        CAST(coalesce(fy.transfer_in - fy.transfer_out, 0) AS DOUBLE) AS flow_ytd,
        coalesce(sm.assets, 0) AS v0_month,
        coalesce(em.assets, 0) AS v1_month,
        CAST(coalesce(fm.transfer_in - fm.transfer_out, 0) AS DOUBLE) AS flow_month,
        CAST(coalesce(fm.trade_amount, 0) AS DOUBLE) AS turnover_month
    FROM customers_asof AS c
    LEFT JOIN at_t AS t ON t.customer_id = c.customer_id
    LEFT JOIN start_3m AS s3 ON s3.customer_id = c.customer_id
    LEFT JOIN window_return_3m AS f3 ON f3.customer_id = c.customer_id
    LEFT JOIN start_6m AS s6 ON s6.customer_id = c.customer_id
    LEFT JOIN window_return_6m AS f6 ON f6.customer_id = c.customer_id
    LEFT JOIN start_ytd AS sy ON sy.customer_id = c.customer_id
    LEFT JOIN window_return_ytd AS fy ON fy.customer_id = c.customer_id
    LEFT JOIN start_month AS sm ON sm.customer_id = c.customer_id
    LEFT JOIN end_month AS em ON em.customer_id = c.customer_id
    LEFT JOIN window_return_month AS fm ON fm.customer_id = c.customer_id
),
dietz AS (
    SELECT
        l.*,
        l.v0_3m + l.flow_3m
            - (l.flow_epoch_3m - :epoch_start_3m * l.flow_3m) / nullif(:days_3m, 0) AS base_3m,
        l.v0_6m + l.flow_6m
            - (l.flow_epoch_6m - :epoch_start_6m * l.flow_6m) / nullif(:days_6m, 0) AS base_6m
    FROM legs AS l
)
SELECT
    d.customer_id,
    CASE WHEN d.base_3m > 0 THEN (d.v1 - d.v0_3m - d.flow_3m) / d.base_3m END AS return_3m,
    CASE WHEN d.base_6m > 0 THEN (d.v1 - d.v0_6m - d.flow_6m) / d.base_6m END AS return_6m,
    i.close_t / nullif(i.close_3m, 0) - 1 AS index_return_3m,
    i.close_t / nullif(i.close_6m, 0) - 1 AS index_return_6m,
    (d.v1 - d.v0_ytd - d.flow_ytd) / nullif(a.avg_assets_ytd, 0) AS profit_ytd_rate,
    (d.v1_month - d.v0_month - d.flow_month) / nullif(d.turnover_month, 0) AS profit_per_turnover
FROM dietz AS d
CROSS JOIN index_close AS i
LEFT JOIN indicators_assets AS a ON a.customer_id = d.customer_id
