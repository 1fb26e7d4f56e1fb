-- kpi_period: each customer's figures over the period [:period_start, :period_end].
-- grain: customer_id (customers with a customer_day row or a product order in the period)
-- columns: customer_id, transfer_in, transfer_out, net_commission, trade_count, end_assets
--   (total assets on :period_end; 0 without a row that day), product_sales (subscribe and
--   purchase amounts of product orders)
WITH days AS (
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
),
sold AS (
    SELECT customer_id, sum(amount) AS product_sales
    FROM kpi_product_trades
    WHERE biz_date >= :period_start AND biz_date <= :period_end
        AND action IN ('subscribe', 'purchase')
    GROUP BY customer_id
)
SELECT
    coalesce(d.customer_id, s.customer_id) AS customer_id,
    CAST(coalesce(d.transfer_in, 0) AS DECIMAL(18, 2)) AS transfer_in,
    CAST(coalesce(d.transfer_out, 0) AS DECIMAL(18, 2)) AS transfer_out,
    CAST(coalesce(d.net_commission, 0) AS DECIMAL(18, 2)) AS net_commission,
    coalesce(d.trade_count, 0) AS trade_count,
    CAST(coalesce(d.end_assets, 0) AS DECIMAL(18, 2)) AS end_assets,
    CAST(coalesce(s.product_sales, 0) AS DECIMAL(18, 2)) AS product_sales
FROM days AS d
FULL OUTER JOIN sold AS s ON s.customer_id = d.customer_id
