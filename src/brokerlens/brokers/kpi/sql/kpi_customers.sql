-- kpi_customers: the customers the period changes: opened within it, or closed by its end.
-- grain: customer_id (customers opened in [:month_start, :period_end] or closed by :period_end)
-- columns: customer_id, is_new (opened in the period), closed (closed by :period_end)
SELECT
    customer_id,
    open_date >= :month_start AND open_date <= :period_end AS is_new,
    close_date IS NOT NULL AND close_date <= :period_end AS closed
FROM customers
WHERE (open_date >= :month_start AND open_date <= :period_end)
    OR (close_date IS NOT NULL AND close_date <= :period_end)
