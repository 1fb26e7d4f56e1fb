-- kpi_credit: whose figures count for whom: every staff member's for themselves, and a team
--   lead's team's (the other staff of the lead's unit) for the lead too.
-- grain: scored_id, staff_id
-- columns: scored_id (the staff member scored), staff_id (whose detail rows count for them)
SELECT staff_id AS scored_id, staff_id
FROM kpi_staff
UNION ALL
SELECT lead.staff_id AS scored_id, member.staff_id
FROM kpi_staff AS lead
JOIN kpi_staff AS member ON member.unit_id = lead.unit_id AND member.staff_id <> lead.staff_id
WHERE lead.position = 'team_lead'
