-- care_birthday: individual customers whose birthday falls in [:as_of, :until]. The birth date
-- finds the day and leaves this query only as the day of the occasion (never the year); a
-- 29 February birthday is kept on 28 February in other years.
-- grain: one row per customer and birthday in the window
-- columns: customer_id, occasion_date, days_left, name
-- reads: care_customers (the view of care_customers.sql)
WITH born AS (
    SELECT customer_id, name, month(birth_date) AS m, day(birth_date) AS d
    FROM care_customers
    WHERE customer_type = 'individual' AND birth_date IS NOT NULL AND birth_date <= :as_of
),
years AS (
    SELECT year(:as_of) AS y
    UNION ALL
    SELECT year(:as_of) + 1 AS y
),
days AS (
    SELECT b.customer_id, b.name,
        make_date(y.y, b.m, CASE
            WHEN b.m = 2 AND b.d = 29
                AND NOT ((y.y % 4 = 0 AND y.y % 100 <> 0) OR y.y % 400 = 0) THEN 28
            ELSE b.d END) AS occasion_date
    FROM born AS b
    CROSS JOIN years AS y
)
SELECT customer_id, occasion_date, date_diff('day', :as_of, occasion_date) AS days_left, name
FROM days
WHERE occasion_date >= :as_of AND occasion_date <= :until
