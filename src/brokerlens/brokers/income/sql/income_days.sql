-- income_days: a customer's income on one day of the month, in integer cents.
-- grain: day, customer_id (days with a trade or a product order between :month and :through)
-- columns: day, customer_id, commission_cents (sum of trades.net_commission x 100),
--   product_fee_cents (sum of product_trades.fee x 100)
-- Reads `income_trades` and `income_product_trades` (the month's lake files). The lake's money
-- is DECIMAL(18,2): x 100 is a whole number, so round() changes nothing (it makes the cast the
-- same on Spark).
WITH money AS (
    SELECT
        biz_date AS day,
        customer_id,
        CAST(round(net_commission * 100) AS BIGINT) AS commission_cents,
        CAST(0 AS BIGINT) AS product_fee_cents
    FROM income_trades
    WHERE biz_date BETWEEN :month AND :through
    UNION ALL
    SELECT
        biz_date AS day,
        customer_id,
        CAST(0 AS BIGINT) AS commission_cents,
        CAST(round(fee * 100) AS BIGINT) AS product_fee_cents
    FROM income_product_trades
    WHERE biz_date BETWEEN :month AND :through
)
SELECT
    day,
    customer_id,
    CAST(sum(commission_cents) AS BIGINT) AS commission_cents,
    CAST(sum(product_fee_cents) AS BIGINT) AS product_fee_cents
FROM money
GROUP BY day, customer_id
ORDER BY customer_id, day
