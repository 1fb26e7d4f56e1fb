-- rec_shelf: the shelf as of :as_of with what the recommender reads of each product
-- grain: product_id (every product of the products feed as of :as_of)
-- columns: the product's attributes; trail_return = acc_nav return from the newest NAV on or
--   before :trail_from to the newest on or before :as_of (the last ~3 months: what flows chase);
--   NULL without a NAV on both ends.
-- reads: rec_products_asof (products as of :as_of), product_nav (daily plus backfilled history).
WITH nav AS (
    SELECT product_id, biz_date, acc_nav FROM product_nav
    WHERE biz_date <= :as_of AND acc_nav > 0
),
ends AS (
    SELECT product_id,
           max(biz_date) AS last_date,
           max(CASE WHEN biz_date <= :trail_from THEN biz_date END) AS first_date
    FROM nav GROUP BY product_id
),
trail AS (
    SELECT e.product_id, CAST(b.acc_nav AS DOUBLE) / NULLIF(CAST(a.acc_nav AS DOUBLE), 0) - 1 AS trail_return
    FROM ends e
    JOIN nav a ON a.product_id = e.product_id AND a.biz_date = e.first_date
    JOIN nav b ON b.product_id = e.product_id AND b.biz_date = e.last_date
)
SELECT p.product_id, p.name, p.product_type, p.risk_level, p.manager, p.term_days, p.status,
       CAST(p.min_amount AS DOUBLE) AS min_amount, t.trail_return
FROM rec_products_asof p
LEFT JOIN trail t ON t.product_id = p.product_id
ORDER BY p.product_id
