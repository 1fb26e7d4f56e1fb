-- pm_drawdown: each product's maximum drawdown over two spans, with its peak, trough and
-- recovery: 'long' = from the last NAV on or before :drawdown_months months before its newest
-- NAV (or from its first NAV when the history is shorter), '1y' = from the last NAV on or
-- before 12 months before (only when the history covers the year; for Calmar).
-- A drawdown on a day is value / running peak - 1 (the span's first value counts as a peak);
-- the maximum drawdown is the lowest (a negative ratio, 0 when the value never fell), its
-- trough the first day at that low, its peak the last day before the trough at the running
-- peak, its recovery the first NAV after the trough at or above that peak (NULL: not yet).
-- grain: one row per product and span (products with at least two NAVs in the span)
-- columns: product_id, span, max_drawdown, peak_date, trough_date, recovery_date
-- reads: pm_bounds, pm_anchors, pm_series
WITH spans AS (
    SELECT b.product_id, 'long' AS span, coalesce(a.point_date, b.first_date) AS start_date
    FROM pm_bounds b
    LEFT JOIN pm_anchors a
        ON a.product_id = b.product_id AND a.kind = 'month' AND a.k = :drawdown_months
    UNION ALL
    SELECT a.product_id, '1y' AS span, a.point_date AS start_date
    FROM pm_anchors a
    WHERE a.kind = 'month' AND a.k = 12 AND a.point_date IS NOT NULL
),
pts AS (
    SELECT sp.product_id, sp.span, s.biz_date, s.value
    FROM spans sp
    JOIN pm_series s ON s.product_id = sp.product_id AND s.biz_date >= sp.start_date
),
peaks AS (
    SELECT product_id, span, biz_date, value,
        max(value) OVER (
            PARTITION BY product_id, span ORDER BY biz_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS peak
    FROM pts
),
depths AS (
    SELECT product_id, span, biz_date, value, peak, value / NULLIF(peak, 0) - 1 AS drawdown
    FROM peaks
),
ranked AS (
    SELECT product_id, span, biz_date, peak, drawdown,
        row_number() OVER (PARTITION BY product_id, span ORDER BY drawdown, biz_date) AS depth,
        count(*) OVER (PARTITION BY product_id, span) AS points
    FROM depths
),
trough AS (
    SELECT product_id, span, biz_date AS trough_date, peak, drawdown
    FROM ranked
    WHERE depth = 1 AND points >= 2
),
peak_day AS (
    SELECT t.product_id, t.span, max(p.biz_date) AS peak_date
    FROM trough t
    JOIN pts p
        ON p.product_id = t.product_id AND p.span = t.span
        AND p.biz_date <= t.trough_date AND p.value = t.peak
    GROUP BY t.product_id, t.span
),
recovered AS (
    SELECT t.product_id, t.span, min(s.biz_date) AS recovery_date
    FROM trough t
    JOIN pm_series s
        ON s.product_id = t.product_id AND s.biz_date > t.trough_date AND s.value >= t.peak
    GROUP BY t.product_id, t.span
)
SELECT t.product_id, t.span,
    CASE WHEN t.drawdown < 0 THEN t.drawdown ELSE 0.0 END AS max_drawdown,
    CASE WHEN t.drawdown < 0 THEN pd.peak_date END AS peak_date,
    CASE WHEN t.drawdown < 0 THEN t.trough_date END AS trough_date,
    CASE WHEN t.drawdown < 0 THEN r.recovery_date END AS recovery_date
FROM trough t
LEFT JOIN peak_day pd ON pd.product_id = t.product_id AND pd.span = t.span
LEFT JOIN recovered r ON r.product_id = t.product_id AND r.span = t.span
