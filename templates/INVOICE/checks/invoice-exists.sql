-- INVOICE_NOT_FOUND unless the invoice has at least one line.
SELECT 1
FROM retail.invoice_line
WHERE invoice_no = upper(:invoice_id::text)
LIMIT 1
