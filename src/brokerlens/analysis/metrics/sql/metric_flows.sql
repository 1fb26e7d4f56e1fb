-- metric_flows: customer_day summed per period and customer. The days and months read are first
--   summed per segment (the days, or complete months, read by the same set of periods: an equi-
--   join, each row read once), then the segments per period: a day of T's month counts for the
--   day, the month and the year without being joined three times. Complete months come from
--   customer_month (a year costs ~12 month rows a customer, not ~250 day rows).
-- grain: one row per period and customer with any row in it
-- columns: period, customer_id, sum_assets, asset_days, trade_amount, trade_count,
--   net_commission, transfer_in, transfer_out
WITH parts AS (
    SELECT s.segment, m.customer_id, m.sum_assets, m.asset_days, m.trade_amount, m.trade_count,
        m.net_commission, m.transfer_in, m.transfer_out
    FROM metric_month AS m
    JOIN metric_month_segments AS s ON s.month_start = m.month_start
    UNION ALL
    SELECT s.segment, d.customer_id, d.total_assets, 1, d.trade_amount, d.trade_count,
        d.net_commission, d.transfer_in, d.transfer_out
    FROM metric_day AS d
    JOIN metric_day_segments AS s ON s.biz_date = d.biz_date
),
by_segment AS (
    SELECT
        segment,
        customer_id,
        sum(sum_assets) AS sum_assets,
        sum(asset_days) AS asset_days,
        sum(trade_amount) AS trade_amount,
        sum(trade_count) AS trade_count,
        sum(net_commission) AS net_commission,
        sum(transfer_in) AS transfer_in,
        sum(transfer_out) AS transfer_out
    FROM parts
    GROUP BY segment, customer_id
)
SELECT
    p.period,
    b.customer_id,
    sum(b.sum_assets) AS sum_assets,
    sum(b.asset_days) AS asset_days,
    sum(b.trade_amount) AS trade_amount,
    sum(b.trade_count) AS trade_count,
    sum(b.net_commission) AS net_commission,
    sum(b.transfer_in) AS transfer_in,
    sum(b.transfer_out) AS transfer_out
FROM by_segment AS b
JOIN metric_segment_periods AS p ON p.segment = b.segment
GROUP BY p.period, b.customer_id
