-- rec_branch_buys: buyers per branch and product over the recent days (what a branch pushes)
-- grain: branch_id, product_id
-- columns: buyers = distinct customers of the branch who subscribed or purchased the product in
--   (:recent_from, :as_of].
-- reads: rec_trades, rec_customers_asof.
SELECT c.branch_id, t.product_id, count(DISTINCT t.customer_id) AS buyers
FROM rec_trades t
JOIN rec_customers_asof c ON c.customer_id = t.customer_id
WHERE t.action IN ('subscribe', 'purchase') AND t.biz_date > :recent_from AND t.biz_date <= :as_of
GROUP BY c.branch_id, t.product_id
