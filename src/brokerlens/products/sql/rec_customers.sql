-- rec_customers: the customer facts the recommender reads, as of :as_of
-- grain: customer_id (every customer with assets on :as_of)
-- columns: branch; the newest risk class assessed by :as_of (NULL: none); available cash and
--   total assets on :as_of (yuan); maturing = the market value of held termed products whose
--   period ends after :as_of and by :soon (money about to be freed for reinvestment).
-- reads: rec_assets (daily_assets of :as_of), rec_customers_asof (customers as of :as_of),
--   risk_assessments, rec_holdings, rec_products_asof.
WITH assess AS (
    SELECT customer_id, risk_class FROM risk_assessments
    WHERE assess_date <= :as_of
    QUALIFY row_number() OVER (
        PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) = 1
),
maturing AS (
    SELECT h.customer_id, sum(h.market_value) AS maturing
    FROM rec_holdings h
    JOIN rec_products_asof p ON p.product_id = h.product_id
    WHERE h.biz_date = :as_of AND h.units > 0 AND p.term_days > 0 AND p.launch_date IS NOT NULL
      AND floor(date_diff('day', p.launch_date, CAST(:soon AS DATE)) / NULLIF(p.term_days, 0))
        > floor(date_diff('day', p.launch_date, CAST(:as_of AS DATE)) / NULLIF(p.term_days, 0))
    GROUP BY h.customer_id
)
SELECT a.customer_id, c.branch_id, s.risk_class,
       CAST(a.available_cash AS DOUBLE) AS available_cash,
       CAST(a.total_assets AS DOUBLE) AS total_assets,
       CAST(coalesce(m.maturing, 0) AS DOUBLE) AS maturing
FROM rec_assets a
JOIN rec_customers_asof c ON c.customer_id = a.customer_id
LEFT JOIN assess s ON s.customer_id = a.customer_id
LEFT JOIN maturing m ON m.customer_id = a.customer_id
WHERE a.biz_date = :as_of
