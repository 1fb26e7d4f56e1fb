-- channel_openers: every customer the customers feed ever gave an open date on or after
--   :cohort_from (the cohorts' customers, whatever their branch or channel since).
-- grain: one row per customer
-- columns: customer_id
SELECT DISTINCT customer_id
FROM channel_versions
WHERE open_date >= :cohort_from
