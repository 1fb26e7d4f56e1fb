-- kpi_book: who holds each customer in each role at the period's end (the ledger), with the
--   customer's figures over the period, so that each metric is a filter over one relation.
-- grain: customer_id, role, staff_id (relationships in force on :period_end)
-- columns: customer_id, staff_id, role, share (share_pct x 0.01), transfer_in, transfer_out,
--   net_commission, trade_count, end_assets, product_sales (0 without activity), is_new,
--   closed (kpi_customers; false when absent)
WITH held AS (
    SELECT
        customer_id,
        staff_id,
        role,
        CAST(sum(share_pct * 0.01) AS DECIMAL(9, 4)) AS share
    FROM ledger
    WHERE valid_from <= :period_end AND (valid_to IS NULL OR valid_to > :period_end)
    GROUP BY customer_id, staff_id, role
)
SELECT
    h.customer_id,
    h.staff_id,
    h.role,
    h.share,
    coalesce(p.transfer_in, 0) AS transfer_in,
    coalesce(p.transfer_out, 0) AS transfer_out,
    coalesce(p.net_commission, 0) AS net_commission,
    coalesce(p.trade_count, 0) AS trade_count,
    coalesce(p.end_assets, 0) AS end_assets,
    coalesce(p.product_sales, 0) AS product_sales,
    coalesce(c.is_new, false) AS is_new,
    coalesce(c.closed, false) AS closed
FROM held AS h
LEFT JOIN kpi_period AS p ON p.customer_id = h.customer_id
LEFT JOIN kpi_customers AS c ON c.customer_id = h.customer_id
