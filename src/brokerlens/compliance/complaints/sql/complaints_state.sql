-- complaints_state: each complaint's newest delivered row as of :as_of, with the customer's
--   branch (publish merges it into the store's complaints)
-- grain: one row per complaint delivered by :as_of (opened on or before it)
-- columns: as_of_date, complaint_id, customer_id, branch_id (the customer's as of :as_of; null
--   for a customer unknown then), open_date, category, status (open, processing, closed),
--   close_date, delivered (the business date that row came with)
-- reads: complaints_history, customers_history
WITH newest AS (
    SELECT complaint_id, customer_id, open_date, category, status, close_date,
        valid_from AS delivered
    FROM complaints_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND open_date <= :as_of
),
branches AS (
    SELECT customer_id, branch_id
    FROM customers_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
)
SELECT CAST(:as_of AS DATE) AS as_of_date, n.complaint_id, n.customer_id, b.branch_id,
    n.open_date, n.category, n.status, n.close_date, n.delivered
FROM newest n
LEFT JOIN branches b ON b.customer_id = n.customer_id
