-- product_metrics: every product's evaluation as of :as_of (domain.md section 4), each figure
-- as of the product's newest NAV on or before T (nav_date), from acc_nav so dividends count.
-- Ratios: 0.05 = 5%. A figure whose period the held history does not cover is NULL.
-- grain: one row per product (as of T) with at least one NAV on or before T
-- columns: as_of_date, product_id, product_type, risk_level, nav_date, history_days (calendar
--   days from the first NAV held to nav_date), return_1m, return_3m, return_6m, return_1y,
--   return_ytd, return_since_launch (NULL unless the series starts within
--   :launch_tolerance_days of launch_date), volatility_1y (stddev of the periodic returns x
--   sqrt(N)), downside_deviation_1y (sqrt(mean(min(r - rf/N, 0)^2)) x sqrt(N)), max_drawdown
--   (over :drawdown_months months or since the first NAV; negative), drawdown_recovery_days
--   (calendar days from its trough to the first NAV back at its peak; 0 without a drawdown,
--   NULL while not recovered), sharpe_1y ((mean(r) - rf/N) x N / volatility_1y), sortino_1y
--   ((mean(r) - rf/N) x N / downside_deviation_1y), calmar_1y (annualized_return_1y /
--   |max_drawdown_1y|), excess_return_1y (return_1y - the benchmark's), tracking_error_1y
--   (stddev(r - r_benchmark) x sqrt(N)), type_rank (1 = best return_1y within product_type,
--   among products with a return_1y and a NAV no older than :fresh_from), type_count (how many
--   are ranked in the type), type_quartile (1 = best), stars (1-5 by MRAR(2) within the type;
--   NULL = 未评价), and: nav, acc_nav (the value used, at nav_date), history_start, nav_points,
--   annualized_return_1y ((1 + return_1y)^(N / n) - 1, n periodic returns), max_drawdown_1y,
--   drawdown_peak_date, drawdown_trough_date, drawdown_recovery_date, benchmark_return_1y,
--   information_ratio_1y (mean(r - r_benchmark) x N / tracking_error_1y), mrar
-- reads: pm_products (products as of T), pm_bounds, pm_anchors, pm_returns_1y, pm_drawdown,
--   pm_mrar
WITH anchored AS (
    SELECT product_id,
        max(CASE WHEN kind = 'month' AND k = 1 THEN value END) AS v_1m,
        max(CASE WHEN kind = 'month' AND k = 3 THEN value END) AS v_3m,
        max(CASE WHEN kind = 'month' AND k = 6 THEN value END) AS v_6m,
        max(CASE WHEN kind = 'month' AND k = 12 THEN value END) AS v_1y,
        max(CASE WHEN kind = 'ytd' THEN value END) AS v_ytd
    FROM pm_anchors
    GROUP BY product_id
),
daily AS (
    SELECT product_id,
        count(*) AS n,
        avg(ret) AS mean_ret,
        stddev_samp(ret) AS sd,
        sqrt(avg(power(least(ret - :rf_daily, 0.0), 2))) AS down_sd,
        count(bench_ret) AS n_bench,
        sum(ln(1 + bench_ret)) AS bench_log,
        avg(ret - bench_ret) AS mean_active,
        stddev_samp(ret - bench_ret) AS active_sd
    FROM pm_returns_1y
    GROUP BY product_id
),
base AS (
    SELECT p.product_id, p.product_type, p.risk_level,
        b.nav_date, b.first_date, b.points, b.nav, b.value,
        CAST(date_diff('day', b.first_date, b.nav_date) AS INTEGER) AS history_days,
        b.value / NULLIF(a.v_1m, 0) - 1 AS return_1m,
        b.value / NULLIF(a.v_3m, 0) - 1 AS return_3m,
        b.value / NULLIF(a.v_6m, 0) - 1 AS return_6m,
        b.value / NULLIF(a.v_1y, 0) - 1 AS return_1y,
        b.value / NULLIF(a.v_ytd, 0) - 1 AS return_ytd,
        CASE
            WHEN b.points >= 2
                AND date_diff('day', p.launch_date, b.first_date) <= :launch_tolerance_days
                THEN b.value / NULLIF(b.first_value, 0) - 1
        END AS return_since_launch,
        d.n, d.mean_ret, d.sd, d.down_sd, d.n_bench, d.bench_log, d.mean_active, d.active_sd,
        CASE
            WHEN d.n >= 1 THEN power(b.value / NULLIF(a.v_1y, 0), :periods / NULLIF(d.n, 0)) - 1
        END AS annualized_return_1y,
        dl.max_drawdown, dl.peak_date, dl.trough_date, dl.recovery_date,
        dy.max_drawdown AS max_drawdown_1y,
        m.mrar
    FROM pm_bounds b
    JOIN pm_products p ON p.product_id = b.product_id
    LEFT JOIN anchored a ON a.product_id = b.product_id
    LEFT JOIN daily d ON d.product_id = b.product_id
    LEFT JOIN pm_drawdown dl ON dl.product_id = b.product_id AND dl.span = 'long'
    LEFT JOIN pm_drawdown dy ON dy.product_id = b.product_id AND dy.span = '1y'
    LEFT JOIN pm_mrar m ON m.product_id = b.product_id
),
ranked AS (
    SELECT product_id, product_type,
        rank() OVER (PARTITION BY product_type ORDER BY return_1y DESC) AS type_rank
    FROM base
    WHERE return_1y IS NOT NULL AND nav_date >= :fresh_from
),
type_counts AS (
    SELECT product_type, count(*) AS type_count
    FROM ranked
    GROUP BY product_type
),
starred AS (
    SELECT product_id,
        rank() OVER (PARTITION BY product_type ORDER BY mrar DESC) AS star_rank,
        count(*) OVER (PARTITION BY product_type) AS star_count
    FROM base
    WHERE mrar IS NOT NULL AND nav_date >= :fresh_from
)
SELECT
    CAST(:as_of AS DATE) AS as_of_date,
    x.product_id,
    x.product_type,
    x.risk_level,
    x.nav_date,
    x.history_days,
    x.return_1m,
    x.return_3m,
    x.return_6m,
    x.return_1y,
    x.return_ytd,
    x.return_since_launch,
    x.sd * sqrt(:periods) AS volatility_1y,
    x.down_sd * sqrt(:periods) AS downside_deviation_1y,
    x.max_drawdown,
    CAST(
        CASE
            WHEN x.max_drawdown = 0 THEN 0
            ELSE date_diff('day', x.trough_date, x.recovery_date)
        END AS INTEGER
    ) AS drawdown_recovery_days,
    (x.mean_ret - :rf_daily) * :periods / NULLIF(x.sd * sqrt(:periods), 0) AS sharpe_1y,
    (x.mean_ret - :rf_daily) * :periods / NULLIF(x.down_sd * sqrt(:periods), 0) AS sortino_1y,
    CASE
        WHEN x.max_drawdown_1y < 0 THEN x.annualized_return_1y / NULLIF(-x.max_drawdown_1y, 0)
    END AS calmar_1y,
    CASE WHEN x.n_bench = x.n THEN x.return_1y - (exp(x.bench_log) - 1) END AS excess_return_1y,
    CASE WHEN x.n_bench = x.n THEN x.active_sd * sqrt(:periods) END AS tracking_error_1y,
    CAST(r.type_rank AS INTEGER) AS type_rank,
    CAST(c.type_count AS INTEGER) AS type_count,
    1 + CAST(floor(4.0 * (r.type_rank - 1) / NULLIF(c.type_count, 0)) AS INTEGER)
        AS type_quartile,
    CAST(
        CASE
            WHEN s.star_rank IS NULL THEN NULL
            WHEN (2 * s.star_rank - 1) * 1000 <= 2 * s.star_count * :stars_5 THEN 5
            WHEN (2 * s.star_rank - 1) * 1000 <= 2 * s.star_count * :stars_4 THEN 4
            WHEN (2 * s.star_rank - 1) * 1000 < 2 * s.star_count * :stars_3 THEN 3
            WHEN (2 * s.star_rank - 1) * 1000 < 2 * s.star_count * :stars_2 THEN 2
            ELSE 1
        END AS INTEGER
    ) AS stars,
    x.nav,
    x.value AS acc_nav,
    x.first_date AS history_start,
    x.points AS nav_points,
    x.annualized_return_1y,
    x.max_drawdown_1y,
    x.peak_date AS drawdown_peak_date,
    x.trough_date AS drawdown_trough_date,
    x.recovery_date AS drawdown_recovery_date,
    CASE WHEN x.n_bench = x.n THEN exp(x.bench_log) - 1 END AS benchmark_return_1y,
    CASE
        WHEN x.n_bench = x.n
            THEN x.mean_active * :periods / NULLIF(x.active_sd * sqrt(:periods), 0)
    END AS information_ratio_1y,
    x.mrar
FROM base x
LEFT JOIN ranked r ON r.product_id = x.product_id
LEFT JOIN type_counts c ON c.product_type = x.product_type
LEFT JOIN starred s ON s.product_id = x.product_id
ORDER BY x.product_id
