-- customer_indicators: every base indicator of every customer as of T, in catalog order.
-- grain: one row per customer of customers_asof
-- columns: customer_id, as_of_date, branch_id, status, open_date, then one column per indicator
--   of brokerlens/indicators/builtin.yaml (an installation's derived indicators are added after
--   these by models/asof.py, over this SELECT as a view)
SELECT
    c.customer_id,
    CAST(:as_of AS DATE) AS as_of_date,
    c.branch_id,
    c.status,
    CASE WHEN c.open_date = DATE '1900-01-01' THEN NULL ELSE c.open_date END AS open_date,
    a.total_assets_t, a.available_cash_t, a.avg_assets_3m, a.avg_assets_ytd,
    a.avg_assets_last_year,
    m.net_commission_ytd, m.net_commission_last_year, m.net_commission_12m,
    m.net_commission_prev_12m, m.commission_share_12m, m.commission_growth_12m,
    m.commission_growth_amount_12m,
    t.buy_amount_stock_3m, t.buy_amount_fund_3m, t.buy_amount_bond_3m, t.buy_amount_warrant_3m,
    t.buy_amount_other_3m, t.buy_amount_total_3m,
    r.return_3m, r.return_6m, r.index_return_3m, r.index_return_6m,
    t.monthly_turnover, t.trades_per_month, t.trades_per_week,
    l.avg_holding_days_stock, l.avg_holding_days_fund,
    t.avg_buy_price,
    r.profit_ytd_rate, r.profit_per_turnover,
    p.top_industry_3m, p.top_industry_share_3m, p.top_board_3m, p.top_board_share_3m,
    h.hot_stock_share_t, h.top_fund_share_t, h.holdings_risk,
    coalesce(l.profitable_sells_6m, 0) AS profitable_sells_6m,
    l.small_gain_sell_share_6m, l.big_gain_sell_share_6m, l.ex_right_held_share_6m,
    k.regulatory_class, k.regulatory_class_rank, k.regulatory_lowest_category, k.behaviour_level,
    k.behaviour_risk_rank, k.behaviour_level_gap,
    e.transfer_out_t, e.transfer_in_t, e.total_assets_prev, e.transfer_out_20d,
    e.total_assets_20d_ago, e.account_closed_t, e.agreement_cancelled_t, e.position_value_t,
    e.entitlement_events_t, e.days_since_last_trade, e.assessment_days_to_expiry,
    e.open_complaint_days,
    t.trades_12m, m.net_commission_lifetime, f.rfm_r_score, f.rfm_f_score, f.rfm_m_score
FROM customers_asof AS c
LEFT JOIN indicators_assets AS a ON a.customer_id = c.customer_id
LEFT JOIN indicators_commission AS m ON m.customer_id = c.customer_id
LEFT JOIN indicators_trading AS t ON t.customer_id = c.customer_id
LEFT JOIN indicators_returns AS r ON r.customer_id = c.customer_id
LEFT JOIN indicators_lots AS l ON l.customer_id = c.customer_id
LEFT JOIN indicators_preference AS p ON p.customer_id = c.customer_id
LEFT JOIN indicators_holdings AS h ON h.customer_id = c.customer_id
LEFT JOIN indicators_risk AS k ON k.customer_id = c.customer_id
LEFT JOIN indicators_events AS e ON e.customer_id = c.customer_id
LEFT JOIN indicators_rfm AS f ON f.customer_id = c.customer_id
