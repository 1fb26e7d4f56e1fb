-- activation_candidates: dormant and empty accounts as of :as_of, each with the factors of its
-- reactivation value (each 0..1), the weighted score and the figures the reasons quote.
-- grain: one row per candidate customer (dormant, or empty: open, normal, (near) zero assets)
-- columns: customer_id, as_of_date, kind (dormant, empty), basis (source_status,
--   no_trade_window, no_trade_in_history, emptied, never_funded), branch_id, region_id, name,
--   customer_type, phone, open_date, open_channel, age, servicer_id, cash, total_assets,
--   peak_assets, net_commission, last_trade_month, last_contact_date, recent_inflow,
--   tenure_years, history_start (the first loaded day),
--   window_start (the first day of the no-trade window), p_<factor>: each factor's points of
--   the score (100 * weight * factor / sum of weights), score (0..100), rank (1 = most valuable)
-- reads: customers_history, org_units_history, relationships, staff, act_month and act_day (the
--   history as complete months plus single days, no month straddling :dormant_start), act_today
--   (customer_day of :as_of), act_transfers, act_contacts (the recent windows only),
--   act_channels (open_channel, factor), act_age_bands (age_from, age_to, factor)
WITH cust AS (
    SELECT customer_id, name, customer_type, birth_date, phone, branch_id,
        coalesce(open_date, DATE '1900-01-01') AS open_date, open_channel, status
    FROM customers_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
        AND (open_date IS NULL OR open_date <= :as_of)
        AND status IN ('normal', 'dormant')
),
units AS (
    SELECT unit_id, parent_id AS region_id
    FROM org_units_history
    WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
),
parts AS (
    -- a complete month counts by its mean daily assets, a single day by its assets
    SELECT customer_id, month_start AS period_start,
        CAST(sum_assets AS DOUBLE) / nullif(asset_days, 0) AS assets,
        trade_count, net_commission
    FROM act_month
    UNION ALL
    SELECT customer_id, biz_date, CAST(total_assets AS DOUBLE), trade_count, net_commission
    FROM act_day
    WHERE biz_date <= :as_of
),
history AS (
    SELECT customer_id,
        max(assets) AS peak_assets,
        CAST(sum(net_commission) AS DOUBLE) AS net_commission,
        CAST(sum(trade_count) FILTER (WHERE period_start >= :dormant_start) AS BIGINT)
            AS trades_in_window,
        CAST(date_trunc('month', max(period_start) FILTER (WHERE trade_count > 0)) AS DATE)
            AS last_trade_month
    FROM parts
    GROUP BY customer_id
),
today AS (
    SELECT customer_id,
        CAST(cash AS DOUBLE) AS cash,
        CAST(total_assets AS DOUBLE) AS total_assets,
        CAST(stock_value + fund_value + bond_value + product_value + other_value AS DOUBLE)
            AS securities
    FROM act_today
    WHERE biz_date = :as_of
),
servicers AS (
    -- one staff member per customer: a servicer before a developer before an advisor
    SELECT r.customer_id,
        min(r.staff_id) FILTER (WHERE r.role = 'servicer') AS servicer,
        min(r.staff_id) FILTER (WHERE r.role = 'developer') AS developer,
        min(r.staff_id) FILTER (WHERE r.role = 'advisor') AS advisor
    FROM relationships r
    JOIN staff s ON s.staff_id = r.staff_id
    WHERE r.start_date <= :as_of AND (r.end_date IS NULL OR r.end_date > :as_of)
        AND (s.leave_date IS NULL OR s.leave_date > :as_of)
    GROUP BY r.customer_id
),
contacted AS (
    SELECT customer_id, max(biz_date) AS last_contact_date
    FROM act_contacts
    WHERE biz_date > :contact_start AND biz_date <= :as_of AND result IN ('reached', 'done')
    GROUP BY customer_id
),
inflows AS (
    SELECT customer_id, CAST(sum(amount) AS DOUBLE) AS recent_inflow
    FROM act_transfers
    WHERE biz_date > :inflow_start AND biz_date <= :as_of AND direction = 'in'
    GROUP BY customer_id
),
judged AS (
    SELECT c.*,
        u.region_id,
        h.peak_assets, h.net_commission, h.trades_in_window, h.last_trade_month,
        coalesce(t.cash, 0) AS cash,
        coalesce(t.total_assets, 0) AS total_assets,
        CASE
            WHEN :trust_status AND c.status = 'dormant' THEN 'source_status'
            WHEN c.open_date <= :dormant_start
                AND coalesce(h.trades_in_window, 0) = 0
                AND coalesce(t.cash, 0) <= :cash_max
                AND coalesce(t.securities, 0) <= 0
                THEN CASE WHEN :history_start <= :dormant_start THEN 'no_trade_window'
                    ELSE 'no_trade_in_history' END
            WHEN c.status = 'normal'
                AND coalesce(t.total_assets, 0) <= :empty_assets_max
                AND c.open_date <= :empty_opened_by
                THEN CASE WHEN coalesce(h.peak_assets, 0) > :empty_assets_max THEN 'emptied'
                    ELSE 'never_funded' END
        END AS basis
    FROM cust c
    LEFT JOIN units u ON u.unit_id = c.branch_id
    LEFT JOIN history h ON h.customer_id = c.customer_id
    LEFT JOIN today t ON t.customer_id = c.customer_id
),
factored AS (
    SELECT j.*,
        CASE WHEN j.basis IN ('emptied', 'never_funded') THEN 'empty' ELSE 'dormant' END AS kind,
        CASE WHEN j.customer_type = 'individual' AND j.birth_date IS NOT NULL
            THEN CAST(floor(date_diff('day', j.birth_date, :as_of) / 365.25) AS BIGINT) END AS age,
        coalesce(s.servicer, s.developer, s.advisor) AS servicer_id,
        k.last_contact_date,
        coalesce(i.recent_inflow, 0) AS recent_inflow,
        date_diff('day', j.open_date, :as_of) / 365.25 AS tenure_years,
        least(1.0, ln(1 + greatest(coalesce(j.peak_assets, 0), 0)) / ln(1 + :peak_assets_cap))
            AS f_peak_assets,
        least(1.0, ln(1 + greatest(coalesce(j.net_commission, 0), 0))
            / ln(1 + :net_commission_cap)) AS f_net_commission,
        least(1.0, greatest(date_diff('day', j.open_date, :as_of), 0) / 365.25
            / :tenure_years_cap) AS f_tenure,
        coalesce(ch.factor, 0.0) AS f_channel,
        CASE WHEN k.last_contact_date IS NOT NULL THEN 1.0 ELSE 0.0 END AS f_recent_contact,
        least(1.0, ln(1 + coalesce(i.recent_inflow, 0)) / ln(1 + :inflow_cap)) AS f_recent_inflow,
        CASE WHEN coalesce(s.servicer, s.developer, s.advisor) IS NOT NULL THEN 1.0 ELSE 0.0 END
            AS f_servicer
    FROM judged j
    LEFT JOIN servicers s ON s.customer_id = j.customer_id
    LEFT JOIN contacted k ON k.customer_id = j.customer_id
    LEFT JOIN inflows i ON i.customer_id = j.customer_id
    LEFT JOIN act_channels ch ON ch.open_channel = j.open_channel
    WHERE j.basis IS NOT NULL
),
banded AS (
    SELECT f.*, coalesce(b.factor, 0.0) AS f_age_band
    FROM factored f
    LEFT JOIN act_age_bands b ON f.age >= b.age_from AND f.age < b.age_to
),
scored AS (
    SELECT *,
        round(100 * (
            :w_peak_assets * f_peak_assets + :w_net_commission * f_net_commission
            + :w_tenure * f_tenure + :w_age_band * f_age_band + :w_channel * f_channel
            + :w_recent_contact * f_recent_contact + :w_recent_inflow * f_recent_inflow
            + :w_servicer * f_servicer
        ) / nullif(:weight_total, 0), 2) AS score
    FROM banded
)
SELECT
    customer_id,
    CAST(:as_of AS DATE) AS as_of_date,
    kind,
    basis,
    branch_id,
    region_id,
    name,
    customer_type,
    phone,
    open_date,
    open_channel,
    age,
    servicer_id,
    round(cash, 2) AS cash,
    round(total_assets, 2) AS total_assets,
    round(coalesce(peak_assets, 0), 2) AS peak_assets,
    round(coalesce(net_commission, 0), 2) AS net_commission,
    last_trade_month,
    last_contact_date,
    round(recent_inflow, 2) AS recent_inflow,
    round(tenure_years, 1) AS tenure_years,
    CAST(:history_start AS DATE) AS history_start,
    CAST(:dormant_start AS DATE) AS window_start,
    round(100 * :w_peak_assets * f_peak_assets / nullif(:weight_total, 0), 2) AS p_peak_assets,
    round(100 * :w_net_commission * f_net_commission / nullif(:weight_total, 0), 2) AS p_net_commission,
    round(100 * :w_tenure * f_tenure / nullif(:weight_total, 0), 2) AS p_tenure,
    round(100 * :w_age_band * f_age_band / nullif(:weight_total, 0), 2) AS p_age_band,
    round(100 * :w_channel * f_channel / nullif(:weight_total, 0), 2) AS p_channel,
    round(100 * :w_recent_contact * f_recent_contact / nullif(:weight_total, 0), 2) AS p_recent_contact,
    round(100 * :w_recent_inflow * f_recent_inflow / nullif(:weight_total, 0), 2) AS p_recent_inflow,
    round(100 * :w_servicer * f_servicer / nullif(:weight_total, 0), 2) AS p_servicer,
    score,
    row_number() OVER (ORDER BY score DESC, customer_id) AS rank
FROM scored
ORDER BY rank
