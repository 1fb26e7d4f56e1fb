-- pm_returns_1y: each product's periodic returns over its last year: from the last NAV on or
-- before 12 months before its newest NAV to the newest, with its benchmark's return over the
-- same dates (the weighted sum of its indexes' returns; NULL unless every index has a close on
-- both dates). Products whose history is shorter than a year have no rows.
-- grain: one row per product and NAV date in (start, nav_date]
-- columns: product_id, biz_date, ret, bench_ret
-- reads: pm_bounds, pm_anchors, pm_series, pm_products, pm_bench_parts, pm_index_filled
WITH win AS (
    SELECT b.product_id, b.nav_date, a.point_date AS start_date
    FROM pm_bounds b
    JOIN pm_anchors a ON a.product_id = b.product_id AND a.kind = 'month' AND a.k = 12
    WHERE a.point_date IS NOT NULL
),
rets AS (
    SELECT s.product_id, s.biz_date, s.prev_date, s.ret
    FROM pm_series s
    JOIN win w ON w.product_id = s.product_id
    WHERE s.biz_date > w.start_date AND s.biz_date <= w.nav_date
),
parts AS (
    SELECT p.product_id, bp.index_id, bp.weight
    FROM pm_products p
    JOIN pm_bench_parts bp ON bp.benchmark = p.benchmark
),
bench AS (
    SELECT r.product_id, r.biz_date,
        sum(pt.weight * (f1.close / NULLIF(f0.close, 0) - 1)) AS bench_ret,
        count(*) AS parts,
        count(f1.close) AS ends,
        count(f0.close) AS starts
    FROM rets r
    JOIN parts pt ON pt.product_id = r.product_id
    LEFT JOIN pm_index_filled f1 ON f1.index_id = pt.index_id AND f1.biz_date = r.biz_date
    LEFT JOIN pm_index_filled f0 ON f0.index_id = pt.index_id AND f0.biz_date = r.prev_date
    GROUP BY r.product_id, r.biz_date
)
SELECT r.product_id, r.biz_date, r.ret,
    CASE WHEN b.ends = b.parts AND b.starts = b.parts THEN b.bench_ret END AS bench_ret
FROM rets r
LEFT JOIN bench b ON b.product_id = r.product_id AND b.biz_date = r.biz_date
