-- customer_month: customer_day summed over one complete calendar month.
-- grain: one row per customer with a customer_day row in the month starting :month_start
-- columns: month_start, customer_id, sum_assets, asset_days, and the sums of customer_day's
--   activity columns (trade_amount ... flow_epoch)
SELECT
    CAST(:month_start AS DATE) AS month_start,
    customer_id,
    sum(total_assets) AS sum_assets,
    count(*) AS asset_days,
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
FROM customer_day
WHERE biz_date >= :month_start AND biz_date < :month_end
GROUP BY customer_id
