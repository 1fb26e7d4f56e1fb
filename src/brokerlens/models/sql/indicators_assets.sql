-- indicators_assets: assets on T and mean assets over 3 months, this year and last year.
-- grain: one row per customer of customers_asof
-- columns: customer_id, total_assets_t, available_cash_t, avg_assets_3m, avg_assets_ytd,
--   avg_assets_last_year
SELECT
    c.customer_id,
    CAST(coalesce(d.total_assets, 0) AS DOUBLE) AS total_assets_t,
    CAST(coalesce(d.available_cash, 0) AS DOUBLE) AS available_cash_t,
    CAST(coalesce(w3.sum_assets, 0) AS DOUBLE) / nullif(n.days_3m, 0) AS avg_assets_3m,
    CAST(coalesce(wy.sum_assets, 0) AS DOUBLE) / nullif(n.days_ytd, 0) AS avg_assets_ytd,
    CAST(coalesce(wl.sum_assets, 0) AS DOUBLE) / nullif(n.days_last_year, 0)
        AS avg_assets_last_year
FROM customers_asof AS c
LEFT JOIN open_day_counts AS n ON n.open_date = c.open_date
LEFT JOIN customer_day AS d ON d.customer_id = c.customer_id AND d.biz_date = :as_of
LEFT JOIN window_3m AS w3 ON w3.customer_id = c.customer_id
LEFT JOIN window_ytd AS wy ON wy.customer_id = c.customer_id
LEFT JOIN window_last_year AS wl ON wl.customer_id = c.customer_id
