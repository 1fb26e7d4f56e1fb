-- metric_customers: the versions of the customers feed the periods may read (valid_to worked
--   out once, not once per period), without customers closed before the first period starts.
-- grain: one row per customer and delivered version
-- columns: customer_id, branch_id, open_channel, customer_type, birth_date, open_date,
--   close_date, status, valid_from, valid_to
SELECT
    customer_id,
    branch_id,
    open_channel,
    customer_type,
    birth_date,
    open_date,
    close_date,
    status,
    valid_from,
    valid_to
FROM customers_history
WHERE (close_date IS NULL OR close_date >= :first_start) AND open_date <= :as_of
    AND (valid_to IS NULL OR valid_to > :first_start)
