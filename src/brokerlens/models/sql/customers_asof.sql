-- customers_asof: the customers as they were on :as_of, those already open by then.
-- grain: one row per customer with open_date <= :as_of (or unknown)
-- columns: customer_id, branch_id, status, open_date (1900-01-01 when unknown), close_date
SELECT
    customer_id,
    branch_id,
    status,
    coalesce(open_date, DATE '1900-01-01') AS open_date,
    close_date
FROM customers_history
WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
    AND (open_date IS NULL OR open_date <= :as_of)
