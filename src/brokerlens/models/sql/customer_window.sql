-- customer_window: customer_day summed over the business dates [:start, :end], reading the
-- complete months [:months_from, :months_to) from customer_month and only the other days from
-- customer_day, so a year costs about 12 month rows per customer instead of 250 day rows.
-- grain: one row per customer active in the window
-- columns: customer_id, sum_assets, asset_days, trade_amount, trade_count, net_commission,
--   buy_stock, buy_fund, buy_bond, buy_warrant, buy_other, stock_buy_qty, stock_buy_value,
--   transfer_in, transfer_out, flow_epoch
WITH parts AS (
    SELECT customer_id, sum_assets, asset_days, trade_amount, trade_count, net_commission,
        buy_stock, buy_fund, buy_bond, buy_warrant, buy_other, stock_buy_qty, stock_buy_value,
        transfer_in, transfer_out, flow_epoch
    FROM customer_month
    WHERE month_start >= :months_from AND month_start < :months_to
    UNION ALL
    SELECT customer_id, total_assets, 1, trade_amount, trade_count, net_commission,
        buy_stock, buy_fund, buy_bond, buy_warrant, buy_other, stock_buy_qty, stock_buy_value,
        transfer_in, transfer_out, flow_epoch
    FROM customer_day
    WHERE biz_date >= :start AND biz_date <= :end
        AND (biz_date < :months_from OR biz_date >= :months_to)
)
SELECT
    customer_id,
    sum(sum_assets) AS sum_assets,
    sum(asset_days) AS asset_days,
    sum(trade_amount) AS trade_amount,
    sum(trade_count) AS trade_count,
    sum(net_commission) AS net_commission,
    sum(buy_stock) AS buy_stock,
    sum(buy_fund) AS buy_fund,
    sum(buy_bond) AS buy_bond,
    sum(buy_warrant) AS buy_warrant,
    sum(buy_other) AS buy_other,
    sum(stock_buy_qty) AS stock_buy_qty,
    sum(stock_buy_value) AS stock_buy_value,
    sum(transfer_in) AS transfer_in,
    sum(transfer_out) AS transfer_out,
    sum(flow_epoch) AS flow_epoch
FROM parts
GROUP BY customer_id
