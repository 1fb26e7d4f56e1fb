-- care_ipo_allotment: customers allotted new shares on :as_of (trades of trade_type
-- ipo_allot). Several allotments of one day make one message: the names and codes listed,
-- shares and the amount to pay summed.
-- grain: one row per customer
-- columns: customer_id, occasion_date (:as_of), days_left (0), name, security_name,
--   security_id, quantity, amount (yuan to pay)
-- reads: care_trades (trades of :as_of), securities_history, care_customers
WITH allotted AS (
    SELECT t.customer_id, t.security_id, coalesce(s.name, t.security_id) AS security_name,
        CAST(t.quantity AS BIGINT) AS quantity, CAST(t.amount AS DOUBLE) AS amount
    FROM care_trades AS t
    LEFT JOIN securities_history AS s ON s.security_id = t.security_id
        AND s.valid_from <= :as_of AND (s.valid_to IS NULL OR s.valid_to > :as_of)
    WHERE t.biz_date = :as_of AND t.trade_type = 'ipo_allot'
)
SELECT a.customer_id, CAST(:as_of AS DATE) AS occasion_date, 0 AS days_left, c.name,
    string_agg(a.security_name, '、' ORDER BY a.security_id) AS security_name,
    string_agg(a.security_id, '、' ORDER BY a.security_id) AS security_id,
    CAST(sum(a.quantity) AS BIGINT) AS quantity,
    sum(a.amount) AS amount
FROM allotted AS a
INNER JOIN care_customers AS c ON c.customer_id = a.customer_id
GROUP BY a.customer_id, c.name
