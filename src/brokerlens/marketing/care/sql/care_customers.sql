-- care_customers: the customers a care message may go to as of :as_of (open accounts: normal
-- or dormant; frozen and closed accounts get none), with the name a message greets.
-- grain: one row per customer
-- columns: customer_id, name, customer_type, birth_date
-- reads: customers_history
SELECT customer_id, name, customer_type, birth_date
FROM customers_history
WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
    AND status IN ('normal', 'dormant')
