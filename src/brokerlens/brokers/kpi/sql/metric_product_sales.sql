-- metric_product_sales: products subscribed and purchased over the period, for the developers.
-- grain: staff_id, customer_id (customers with such an order in the period)
-- columns: staff_id, customer_id, role, weight (the share), amount (yuan), credited
--   (amount x share)
SELECT
    staff_id,
    customer_id,
    role,
    share AS weight,
    product_sales AS amount,
    product_sales * share AS credited
FROM kpi_book
WHERE role = 'developer' AND product_sales <> 0
