-- metric_flows: customer_day summed per period and customer, the complete months of a period
--   read from customer_month (a year costs ~12 month rows a customer, not ~250 day rows).
-- grain: one row per period and customer with any row in it
-- columns: period, customer_id, sum_assets, asset_days, trade_amount, trade_count,
--   net_commission, transfer_in, transfer_out
WITH parts AS (
    SELECT p.period, m.customer_id, m.sum_assets, m.asset_days, m.trade_amount, m.trade_count,
        m.net_commission, m.transfer_in, m.transfer_out
    FROM metric_month AS m
    JOIN metric_periods AS p ON m.month_start >= p.months_from AND m.month_start < p.months_to
    UNION ALL
    SELECT p.period, d.customer_id, d.total_assets, 1, d.trade_amount, d.trade_count,
        d.net_commission, d.transfer_in, d.transfer_out
    FROM metric_day AS d
    JOIN metric_periods AS p
        ON d.biz_date >= p.start_day AND d.biz_date <= p.end_day
        AND (d.biz_date < p.months_from OR d.biz_date >= p.months_to)
)
SELECT
    period,
    customer_id,
    sum(sum_assets) AS sum_assets,
    sum(asset_days) AS asset_days,
    sum(trade_amount) AS trade_amount,
    sum(trade_count) AS trade_count,
    sum(net_commission) AS net_commission,
    sum(transfer_in) AS transfer_in,
    sum(transfer_out) AS transfer_out
FROM parts
GROUP BY period, customer_id
