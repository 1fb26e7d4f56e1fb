-- pm_mrar: Morningstar's risk-adjusted return MRAR(2) of each product over its last
-- :star_months monthly returns (month k: from the anchor k + 1 months back to the anchor k
-- months back, see pm_anchors): [mean(((1 + r) / (1 + rf_m)) ^ -2)] ^ (-12 / 2) - 1, rf_m the
-- monthly risk-free return. Only products whose history covers every month of the span.
-- grain: one row per product with :star_months monthly returns
-- columns: product_id, months, mrar
-- reads: pm_anchors
WITH pts AS (
    SELECT product_id, k, value
    FROM pm_anchors
    WHERE kind = 'month' AND k <= :star_months
),
monthly AS (
    SELECT later.product_id, later.k,
        later.value / NULLIF(earlier.value, 0) - 1 AS ret
    FROM pts later
    JOIN pts earlier ON earlier.product_id = later.product_id AND earlier.k = later.k + 1
),
agg AS (
    SELECT product_id, count(ret) AS months,
        avg(power((1 + ret) / NULLIF(1 + :rf_monthly, 0), -2)) AS mean_u
    FROM monthly
    GROUP BY product_id
)
SELECT product_id, CAST(months AS INTEGER) AS months, power(mean_u, -6) - 1 AS mrar
FROM agg
WHERE months = :star_months
