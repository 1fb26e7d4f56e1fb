-- pm_bounds: each product's series as a whole: its first and newest NAV (up to T) and values.
-- grain: one row per product with at least one NAV on or before T
-- columns: product_id, first_date, nav_date (the newest NAV), points (NAVs held), first_value,
--   value (acc_nav, or nav, at nav_date), nav (at nav_date)
-- reads: pm_series
SELECT s.product_id,
    min(s.biz_date) AS first_date,
    max(s.biz_date) AS nav_date,
    CAST(count(*) AS INTEGER) AS points,
    arg_min(s.value, s.biz_date) AS first_value,
    arg_max(s.value, s.biz_date) AS value,
    arg_max(s.nav, s.biz_date) AS nav
FROM pm_series s
GROUP BY s.product_id
