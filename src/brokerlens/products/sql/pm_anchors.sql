-- pm_anchors: each product's value at its anchor dates, each the last NAV on or before the
-- anchor: k months before its newest NAV (kind 'month'; k from pm_offsets: 0, 1, 3, 6, 12, the
-- drawdown span, every month of the stars' span; the day clipped to the month's end) and the
-- last day of the previous year (kind 'ytd', k = 0). value and point_date are NULL when the
-- series starts after the anchor (the history is shorter than the period).
-- grain: one row per product, kind and k
-- columns: product_id, kind, k, anchor_date, point_date (the NAV used), value
-- reads: pm_bounds, pm_series, pm_offsets (k)
WITH months AS (
    SELECT b.product_id, b.nav_date, o.k,
        year(b.nav_date) * 12 + month(b.nav_date) - 1 - o.k AS ym
    FROM pm_bounds b
    CROSS JOIN pm_offsets o
),
split AS (
    SELECT product_id, nav_date, k, ym, CAST(floor(ym / 12) AS INTEGER) AS y
    FROM months
),
anchors AS (
    SELECT product_id, 'month' AS kind, k,
        make_date(
            y,
            CAST(ym - 12 * y + 1 AS INTEGER),
            least(
                day(nav_date),
                day(last_day(make_date(y, CAST(ym - 12 * y + 1 AS INTEGER), 1)))
            )
        ) AS anchor_date
    FROM split
    UNION ALL
    SELECT product_id, 'ytd' AS kind, 0 AS k,
        make_date(CAST(year(nav_date) - 1 AS INTEGER), 12, 31) AS anchor_date
    FROM pm_bounds
)
SELECT a.product_id, a.kind, a.k, a.anchor_date,
    max(s.biz_date) AS point_date,
    arg_max(s.value, s.biz_date) AS value
FROM anchors a
LEFT JOIN pm_series s ON s.product_id = a.product_id AND s.biz_date <= a.anchor_date
GROUP BY a.product_id, a.kind, a.k, a.anchor_date
