-- The lines of one invoice, in source order. Invoice numbers are stored upper-case; the parameter is
-- matched case-insensitively. quantity * unit_price stays NUMERIC (exact); credit notes start with C.
SELECT invoice_no,
       invoice_date,
       customer_id,
       country,
       stock_code,
       description,
       quantity,
       unit_price,
       quantity * unit_price AS line_total,
       invoice_no LIKE 'C%' AS is_credit_note
FROM retail.invoice_line
WHERE invoice_no = upper(:invoice_id::text)
ORDER BY line_no
