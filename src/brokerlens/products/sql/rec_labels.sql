-- rec_labels: who bought what in a window after an as-of date (the recommender's training labels
-- and its evaluation's truth)
-- grain: customer_id, product_id
-- columns: the pairs with a subscription or purchase in (:after, :through].
-- reads: rec_trades.
SELECT customer_id, product_id
FROM rec_trades
WHERE action IN ('subscribe', 'purchase') AND biz_date > :after AND biz_date <= :through
GROUP BY customer_id, product_id
