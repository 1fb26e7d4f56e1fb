-- metric_products: what every product metric sums, one row per period, customer and product
--   type with a purchase in the period or a holding at its end, cut by the org units of T.
-- grain: one row per period, customer and product type
-- columns: period, hq_id, region_id, branch_id, team_id, staff_id, product_type, sales,
--   holdings (DECIMAL(18, 2), yuan), buyers (1 when bought in the period)
WITH types AS (
    SELECT product_id, product_type
    FROM products_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
bought AS (
    SELECT p.period, o.customer_id, t.product_type, sum(o.amount) AS sales
    FROM metric_orders AS o
    JOIN metric_periods AS p ON o.biz_date >= p.start_day AND o.biz_date <= p.end_day
    JOIN types AS t ON t.product_id = o.product_id
    WHERE o.action IN ('subscribe', 'purchase')
    GROUP BY p.period, o.customer_id, t.product_type
),
held AS (
    SELECT p.period, h.customer_id, t.product_type, sum(h.market_value) AS holdings
    FROM metric_holdings AS h
    JOIN metric_periods AS p ON h.biz_date = p.stock_day
    JOIN types AS t ON t.product_id = h.product_id
    GROUP BY p.period, h.customer_id, t.product_type
),
both_sides AS (
    SELECT
        coalesce(b.period, h.period) AS period,
        coalesce(b.customer_id, h.customer_id) AS customer_id,
        coalesce(b.product_type, h.product_type) AS product_type,
        CAST(coalesce(b.sales, 0) AS DECIMAL(18, 2)) AS sales,
        CAST(coalesce(h.holdings, 0) AS DECIMAL(18, 2)) AS holdings,
        CAST(CASE WHEN b.sales > 0 THEN 1 ELSE 0 END AS BIGINT) AS buyers
    FROM bought AS b
    FULL OUTER JOIN held AS h
        ON h.period = b.period AND h.customer_id = b.customer_id
        AND h.product_type = b.product_type
)
SELECT
    x.period,
    coalesce(o.hq_id, '') AS hq_id,
    coalesce(o.region_id, '') AS region_id,
    coalesce(c.branch_id, '') AS branch_id,
    coalesce(u.team_id, '') AS team_id,
    coalesce(u.staff_id, '') AS staff_id,
    coalesce(x.product_type, '') AS product_type,
    x.sales,
    x.holdings,
    x.buyers
FROM both_sides AS x
LEFT JOIN metric_branches AS c ON c.customer_id = x.customer_id
LEFT JOIN metric_orgs AS o ON o.branch_id = c.branch_id
LEFT JOIN metric_units AS u ON u.customer_id = x.customer_id
