-- rec_interactions: what each customer bought or holds, as of :as_of (the recommender's input)
-- grain: customer_id, product_id
-- columns: buys = subscriptions and purchases in (:since, :as_of]; held = units held on :as_of.
-- reads: rec_trades (product_trades up to the newest date read), rec_holdings (product_holdings
-- of :as_of).
WITH bought AS (
    SELECT customer_id, product_id, count(*) AS buys
    FROM rec_trades
    WHERE action IN ('subscribe', 'purchase') AND biz_date > :since AND biz_date <= :as_of
    GROUP BY customer_id, product_id
),
held AS (
    SELECT customer_id, product_id FROM rec_holdings
    WHERE biz_date = :as_of AND units > 0
    GROUP BY customer_id, product_id
)
SELECT coalesce(b.customer_id, h.customer_id) AS customer_id,
       coalesce(b.product_id, h.product_id) AS product_id,
       CAST(coalesce(b.buys, 0) AS INTEGER) AS buys,
       h.customer_id IS NOT NULL AS held
FROM bought b
FULL OUTER JOIN held h ON h.customer_id = b.customer_id AND h.product_id = b.product_id
