-- pm_series: each product's NAV series up to :as_of, valued by acc_nav (so dividends count), or
-- by nav for a product that has no acc_nav at all, with the return since its previous NAV.
-- grain: one row per product and NAV date on or before :as_of (a positive value)
-- columns: product_id, biz_date, nav, value (acc_nav, or nav), prev_date, prev_value,
--   ret (value / prev_value - 1; NULL on the first NAV)
-- reads: pm_nav (product_nav over the loaded dates up to T)
WITH raw AS (
    SELECT product_id, biz_date, CAST(nav AS DOUBLE) AS nav, CAST(acc_nav AS DOUBLE) AS acc_nav
    FROM pm_nav
    WHERE biz_date <= :as_of
),
basis AS (
    SELECT product_id, count(acc_nav) > 0 AS by_acc
    FROM raw
    GROUP BY product_id
),
valued AS (
    SELECT r.product_id, r.biz_date, r.nav,
        CASE WHEN b.by_acc THEN r.acc_nav ELSE r.nav END AS value
    FROM raw r
    JOIN basis b ON b.product_id = r.product_id
),
linked AS (
    SELECT product_id, biz_date, nav, value,
        lag(biz_date) OVER (PARTITION BY product_id ORDER BY biz_date) AS prev_date,
        lag(value) OVER (PARTITION BY product_id ORDER BY biz_date) AS prev_value
    FROM valued
    WHERE value > 0
)
SELECT product_id, biz_date, nav, value, prev_date, prev_value,
    value / NULLIF(prev_value, 0) - 1 AS ret
FROM linked
