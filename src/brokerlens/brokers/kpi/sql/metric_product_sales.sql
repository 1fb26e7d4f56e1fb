-- metric_product_sales: products subscribed and purchased over the period, for the developers.
-- grain: staff_id, customer_id (customers with such an order in the period)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
WITH sold AS (
    SELECT customer_id, sum(amount) AS amount
    FROM kpi_product_trades
    WHERE biz_date >= :period_start AND biz_date <= :period_end
        AND action IN ('subscribe', 'purchase')
    GROUP BY customer_id
)
SELECT
    h.staff_id,
    h.customer_id,
    h.role,
    h.share AS weight,
    s.amount,
    s.amount * h.share AS credited
FROM kpi_holders AS h
JOIN sold AS s ON s.customer_id = h.customer_id
WHERE h.role = 'developer'
