-- cb_new_accounts: the new-account call-backs (回访) as of :as_of: every account opened in the
-- `lookback_days` before T, up to T, still open (normal or dormant) on T; one task each
-- grain: one row per customer opened in (:since, :as_of]
-- columns: customer_id, kind (new_account), source_ref (the open date, ISO), branch_id (on T),
--   tier (null), due_date (open date + :due_days), stratum_base, stratum_quota (null)
-- reads: customers_history
SELECT customer_id, 'new_account' AS kind, CAST(open_date AS VARCHAR) AS source_ref, branch_id,
    CAST(NULL AS VARCHAR) AS tier, open_date + CAST(:due_days AS INTEGER) AS due_date,
    CAST(NULL AS BIGINT) AS stratum_base, CAST(NULL AS BIGINT) AS stratum_quota
FROM customers_history
WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
    AND open_date > :since AND open_date <= :as_of
    AND status IN ('normal', 'dormant')
