-- care_product_maturing: customers holding on :as_of a termed product (term_days > 0) whose
-- current period ends in [:as_of, :until]. A termed product's periods run term_days at a time
-- from its launch (a period ends on launch_date + k * term_days, k >= 1), as the source
-- systems roll them over. Several products ending the same day make one message.
-- grain: one row per customer and maturity date
-- columns: customer_id, occasion_date (the maturity), days_left, name, product_name,
--   market_value (of the maturing holdings on :as_of, yuan)
-- reads: care_holdings (product_holdings of :as_of), products_history, care_customers
WITH products AS (
    SELECT product_id, name, term_days, launch_date
    FROM products_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND term_days > 0 AND launch_date IS NOT NULL AND launch_date < :as_of
),
ends AS (
    SELECT product_id, name,
        launch_date + CAST(term_days * greatest(1, CAST(ceil(
            date_diff('day', launch_date, :as_of) / NULLIF(term_days, 0)) AS BIGINT))
            AS INTEGER) AS maturity
    FROM products
),
held AS (
    SELECT h.customer_id, e.maturity, e.product_id, e.name,
        CAST(h.market_value AS DOUBLE) AS market_value
    FROM care_holdings AS h
    INNER JOIN ends AS e ON e.product_id = h.product_id
    WHERE h.biz_date = :as_of AND h.units > 0
        AND e.maturity >= :as_of AND e.maturity <= :until
)
SELECT h.customer_id, h.maturity AS occasion_date,
    date_diff('day', :as_of, h.maturity) AS days_left, c.name,
    string_agg(h.name, '、' ORDER BY h.product_id) AS product_name,
    sum(h.market_value) AS market_value
FROM held AS h
INNER JOIN care_customers AS c ON c.customer_id = h.customer_id
GROUP BY h.customer_id, h.maturity, c.name
