-- care_dividend: holders of a security with a cash dividend whose ex-date falls in
-- [:as_of, :until] (corporate actions as delivered by :as_of). The holders are those on the
-- register: positions on :as_of for a later ex-date, on :hold_day (the loaded day before
-- :as_of) for an ex-date on :as_of. Several dividends of one day make one message (per_share
-- then NULL; the amount, an estimate, summed).
-- grain: one row per customer and ex-date
-- columns: customer_id, occasion_date (the ex-date), days_left, name, security_name,
--   security_id, quantity, per_share, amount (yuan, quantity x per share)
-- reads: corporate_actions_history, care_positions (positions of :hold_day and :as_of),
--   securities_history, care_customers
WITH actions AS (
    SELECT DISTINCT security_id, ex_date, CAST(per_share AS DOUBLE) AS per_share
    FROM corporate_actions_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND action_type = 'cash_dividend' AND per_share > 0
        AND ex_date >= :as_of AND ex_date <= :until
),
held AS (
    SELECT p.customer_id, a.ex_date, a.security_id, a.per_share,
        CAST(sum(p.quantity) AS BIGINT) AS quantity
    FROM actions AS a
    INNER JOIN care_positions AS p ON p.security_id = a.security_id
        AND p.biz_date = CASE WHEN a.ex_date > :as_of THEN :as_of ELSE :hold_day END
    WHERE p.quantity > 0
    GROUP BY p.customer_id, a.ex_date, a.security_id, a.per_share
),
named AS (
    SELECT h.*, coalesce(s.name, h.security_id) AS security_name
    FROM held AS h
    LEFT JOIN securities_history AS s ON s.security_id = h.security_id
        AND s.valid_from <= :as_of AND (s.valid_to IS NULL OR s.valid_to > :as_of)
)
SELECT n.customer_id, n.ex_date AS occasion_date,
    date_diff('day', :as_of, n.ex_date) AS days_left, c.name,
    string_agg(n.security_name, '、' ORDER BY n.security_id) AS security_name,
    string_agg(n.security_id, '、' ORDER BY n.security_id) AS security_id,
    CAST(sum(n.quantity) AS BIGINT) AS quantity,
    CASE WHEN count(*) = 1 THEN max(n.per_share) END AS per_share,
    sum(n.quantity * n.per_share) AS amount
FROM named AS n
INNER JOIN care_customers AS c ON c.customer_id = n.customer_id
GROUP BY n.customer_id, n.ex_date, c.name
