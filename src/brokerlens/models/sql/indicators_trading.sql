-- indicators_trading: buys by class over 3 months, the last full month's trading, and the
-- trades of the last 12 months.
-- grain: one row per customer of customers_asof
-- columns: customer_id, buy_amount_stock_3m, buy_amount_fund_3m, buy_amount_bond_3m,
--   buy_amount_warrant_3m, buy_amount_other_3m, buy_amount_total_3m, monthly_turnover,
--   trades_per_month, trades_per_week, avg_buy_price, trades_12m
SELECT
    c.customer_id,
    CAST(coalesce(w3.buy_stock, 0) AS DOUBLE) AS buy_amount_stock_3m,
    CAST(coalesce(w3.buy_fund, 0) AS DOUBLE) AS buy_amount_fund_3m,
    CAST(coalesce(w3.buy_bond, 0) AS DOUBLE) AS buy_amount_bond_3m,
    CAST(coalesce(w3.buy_warrant, 0) AS DOUBLE) AS buy_amount_warrant_3m,
    CAST(coalesce(w3.buy_other, 0) AS DOUBLE) AS buy_amount_other_3m,
    CAST(coalesce(w3.buy_stock + w3.buy_fund + w3.buy_bond + w3.buy_warrant + w3.buy_other, 0)
        AS DOUBLE) AS buy_amount_total_3m,
    CAST(coalesce(wm.trade_amount, 0) AS DOUBLE)
        / nullif(CAST(coalesce(wm.sum_assets, 0) AS DOUBLE) / nullif(n.days_last_month, 0), 0)
        AS monthly_turnover,
    CAST(coalesce(wm.trade_count, 0) AS DOUBLE) AS trades_per_month,
    CAST(coalesce(wm.trade_count, 0) AS DOUBLE) / nullif(:weeks_last_month, 0) AS trades_per_week,
    CAST(wa.stock_buy_value AS DOUBLE) / nullif(CAST(wa.stock_buy_qty AS DOUBLE), 0)
        AS avg_buy_price,
    CAST(coalesce(w12.trade_count, 0) AS DOUBLE) AS trades_12m
FROM customers_asof AS c
LEFT JOIN open_day_counts AS n ON n.open_date = c.open_date
LEFT JOIN window_3m AS w3 ON w3.customer_id = c.customer_id
LEFT JOIN window_last_month AS wm ON wm.customer_id = c.customer_id
LEFT JOIN window_all AS wa ON wa.customer_id = c.customer_id
LEFT JOIN window_12m AS w12 ON w12.customer_id = c.customer_id
