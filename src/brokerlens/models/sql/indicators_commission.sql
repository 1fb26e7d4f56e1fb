-- indicators_commission: net commission by period, its share of the firm and its growth.
-- grain: one row per customer of customers_asof
-- columns: customer_id, net_commission_ytd, net_commission_last_year, net_commission_12m,
--   net_commission_prev_12m, commission_share_12m, commission_growth_12m,
--   commission_growth_amount_12m, net_commission_lifetime
-- The lifetime sum reads window_all: the complete months' sums of customer_month (each month
-- summed once, when it completes) and the days of the current month, so a day costs about one
-- row per customer and month of history, not a scan of every trade.
WITH firm AS (
    SELECT sum(net_commission) AS total_12m FROM window_12m
),
per_customer AS (
    SELECT
        c.customer_id,
        CAST(coalesce(wy.net_commission, 0) AS DOUBLE) AS net_commission_ytd,
        CAST(coalesce(wl.net_commission, 0) AS DOUBLE) AS net_commission_last_year,
        CAST(coalesce(w12.net_commission, 0) AS DOUBLE) AS net_commission_12m,
        CAST(coalesce(wp.net_commission, 0) AS DOUBLE) AS net_commission_prev_12m,
        CAST(coalesce(wa.net_commission, 0) AS DOUBLE) AS net_commission_lifetime
    FROM customers_asof AS c
    LEFT JOIN window_ytd AS wy ON wy.customer_id = c.customer_id
    LEFT JOIN window_last_year AS wl ON wl.customer_id = c.customer_id
    LEFT JOIN window_12m AS w12 ON w12.customer_id = c.customer_id
    LEFT JOIN window_prev_12m AS wp ON wp.customer_id = c.customer_id
    LEFT JOIN window_all AS wa ON wa.customer_id = c.customer_id
)
SELECT
    p.customer_id,
    p.net_commission_ytd,
    p.net_commission_last_year,
    p.net_commission_12m,
    p.net_commission_prev_12m,
    p.net_commission_12m / nullif(CAST(f.total_12m AS DOUBLE), 0) AS commission_share_12m,
    (p.net_commission_12m - p.net_commission_prev_12m) / nullif(p.net_commission_prev_12m, 0)
        AS commission_growth_12m,
    p.net_commission_12m - p.net_commission_prev_12m AS commission_growth_amount_12m,
    p.net_commission_lifetime
FROM per_customer AS p
CROSS JOIN firm AS f
