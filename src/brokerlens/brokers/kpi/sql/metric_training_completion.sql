-- metric_training_completion: the required courses and exams a staff member was assigned and
--   due by the period's end (issue 23), and how many they completed or passed by then.
-- grain: staff_id, customer_id (here the training item: 'course:<id>' or 'exam:<id>', from
--   kpi_training, the store's assignments as brokers.training.items reads them)
-- columns: staff_id, customer_id (the item), role ('training'), weight (1), amount (1 when done
--   by :period_end), credited (the same); the rate is sum(credited) / sum(weight)
SELECT
    staff_id,
    item AS customer_id,
    'training' AS role,
    1 AS weight,
    CASE WHEN done_on IS NOT NULL AND done_on <= :period_end THEN 1 ELSE 0 END AS amount,
    CASE WHEN done_on IS NOT NULL AND done_on <= :period_end THEN 1 ELSE 0 END AS credited
FROM kpi_training
WHERE due_on <= :period_end
