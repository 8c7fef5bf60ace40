-- Invoice lines in the half-open period [:period_from, :period_to) (instants computed in the
-- request's time zone), with optional customer and country filters (NULL = all).
SELECT line_no,
       invoice_no,
       invoice_date,
       stock_code,
       description,
       quantity,
       unit_price,
       quantity * unit_price AS line_total,
       customer_id,
       country
FROM retail.invoice_line
WHERE invoice_date >= :period_from::timestamptz
  AND invoice_date < :period_to::timestamptz
  AND (:customer_id::int IS NULL OR customer_id = :customer_id::int)
  AND (:country::text IS NULL OR lower(country) = lower(:country::text))
ORDER BY invoice_date, line_no
