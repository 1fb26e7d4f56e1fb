-- open_day_counts: business days of each window on or after an open date, so that a mean over
-- a window counts days without a row as 0 only once the customer was open.
-- grain: one row per distinct open date of customers_asof
-- columns: open_date, days_3m, days_ytd, days_last_year, days_last_month
WITH opened AS (
    SELECT DISTINCT open_date FROM customers_asof
)
SELECT
    o.open_date,
    CAST(sum(CASE WHEN b.biz_date >= :start_3m THEN 1 ELSE 0 END) AS BIGINT) AS days_3m,
    CAST(sum(CASE WHEN b.biz_date >= :start_ytd THEN 1 ELSE 0 END) AS BIGINT) AS days_ytd,
    CAST(sum(CASE WHEN b.biz_date >= :start_last_year AND b.biz_date <= :end_last_year
        THEN 1 ELSE 0 END) AS BIGINT) AS days_last_year,
    CAST(sum(CASE WHEN b.biz_date >= :start_last_month AND b.biz_date <= :end_last_month
        THEN 1 ELSE 0 END) AS BIGINT) AS days_last_month
FROM opened AS o
INNER JOIN business_days AS b ON b.biz_date >= o.open_date AND b.biz_date <= :as_of
GROUP BY o.open_date
