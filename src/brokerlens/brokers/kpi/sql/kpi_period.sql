-- kpi_period: each customer's activity over the period [:period_start, :period_end].
-- grain: customer_id (customers with a customer_day row in the period)
-- columns: customer_id, transfer_in, transfer_out, net_commission, trade_count, end_assets
--   (total assets on :period_end; 0 without a row that day)
SELECT
    customer_id,
    sum(transfer_in) AS transfer_in,
    sum(transfer_out) AS transfer_out,
    sum(net_commission) AS net_commission,
    sum(trade_count) AS trade_count,
    sum(CASE WHEN biz_date = :period_end THEN total_assets ELSE 0 END) AS end_assets
FROM kpi_days
WHERE biz_date >= :period_start AND biz_date <= :period_end
GROUP BY customer_id
