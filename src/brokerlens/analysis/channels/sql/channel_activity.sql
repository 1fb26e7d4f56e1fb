-- channel_activity: the cohorts' activity per customer and calendar month through :as_of:
--   complete months from their customer_month parts (`cohort_month_parts`), the other loaded
--   days in [:cohort_from, :as_of] (`channel_read_days`) from their customer_day parts
--   (`cohort_day_parts`).
-- grain: one row per customer and month with a customer_day row
-- columns: customer_id, mon (year * 12 + month), trades, funded (1: a transfer in or assets
--   above 0 that month), net_in (transfers in less out that month, yuan)
WITH rows_in AS (
    SELECT customer_id, mon, trades, funded, net_in
    FROM cohort_month_parts
    UNION ALL
    SELECT
        p.customer_id,
        CAST(year(p.biz_date) * 12 + month(p.biz_date) AS BIGINT) AS mon,
        p.trades,
        p.funded,
        p.net_in
    FROM cohort_day_parts AS p
    JOIN channel_read_days AS r ON r.biz_date = p.biz_date
)
SELECT
    customer_id,
    mon,
    CAST(sum(trades) AS BIGINT) AS trades,
    max(funded) AS funded,
    CAST(sum(net_in) AS DECIMAL(38, 2)) AS net_in
FROM rows_in
GROUP BY customer_id, mon
