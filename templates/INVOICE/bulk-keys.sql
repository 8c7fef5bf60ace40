-- Bulk run keys: the invoice numbers with a line in the half-open period [:period_from, :period_to)
-- (instants computed in the request's time zone), optionally of one customer or country (NULL = all).
SELECT DISTINCT invoice_no AS key
FROM retail.invoice_line
WHERE invoice_date >= :period_from::timestamptz
  AND invoice_date < :period_to::timestamptz
  AND (:customer_id::int IS NULL OR customer_id = :customer_id::int)
  AND (:country::text IS NULL OR lower(country) = lower(:country::text))
