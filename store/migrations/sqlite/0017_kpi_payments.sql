-- The fees collected, rolled up for the e-payment share (package kpi): booked payments
-- (the statuses the collections report counts: paid, partly refunded, refunded) by the
-- Cairo day they were booked, per place (the payment's governorate, district and center),
-- the request's channel and service ('' = every service), per day (grain D) and per month
-- (grain M, period = the first of the month), at the three scopes of kpi_counts (C per
-- center, G per governorate, N for the nation). Cash is method 'cash'; every other method is
-- electronic. Kept in the transaction that books or voids a payment and in the bulk path;
-- filled here from the payments already booked.
CREATE TABLE kpi_payments (
    grain               TEXT NOT NULL CHECK (grain IN ('D', 'M')),
    scope               TEXT NOT NULL CHECK (scope IN ('C', 'G', 'N')),
    service_code        TEXT NOT NULL,
    gov_code            TEXT NOT NULL,
    period              TEXT NOT NULL,
    unit_code           TEXT NOT NULL,
    center_id           TEXT NOT NULL,
    channel             TEXT NOT NULL,
    cash_count          INTEGER NOT NULL DEFAULT 0,
    cash_piasters       INTEGER NOT NULL DEFAULT 0,
    electronic_count    INTEGER NOT NULL DEFAULT 0,
    electronic_piasters INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, scope, service_code, gov_code, period, unit_code, center_id, channel)
);
CREATE INDEX kpi_payments_center ON kpi_payments(center_id, grain, service_code, period);

CREATE TEMP VIEW kpi_paid AS
SELECT p.paid_on AS day, substr(p.paid_on, 1, 7) || '-01' AS month, r.service_code, p.gov_code, p.unit_code,
       p.center_id, r.channel,
       CASE WHEN p.method = 'cash' THEN 1 ELSE 0 END AS cash_count,
       CASE WHEN p.method = 'cash' THEN p.received_piasters ELSE 0 END AS cash_piasters,
       CASE WHEN p.method <> 'cash' THEN 1 ELSE 0 END AS electronic_count,
       CASE WHEN p.method <> 'cash' THEN p.received_piasters ELSE 0 END AS electronic_piasters
FROM payments p JOIN requests r ON r.id = p.request_id
WHERE p.paid_on IS NOT NULL AND p.status IN ('paid', 'partly_refunded', 'refunded');

INSERT INTO kpi_payments (grain, scope, service_code, gov_code, period, unit_code, center_id, channel,
    cash_count, cash_piasters, electronic_count, electronic_piasters)
SELECT 'D', 'C', service_code, gov_code, day, unit_code, center_id, channel,
       SUM(cash_count), SUM(cash_piasters), SUM(electronic_count), SUM(electronic_piasters)
FROM kpi_paid GROUP BY service_code, gov_code, day, unit_code, center_id, channel
UNION ALL
SELECT 'D', 'C', '', gov_code, day, unit_code, center_id, channel,
       SUM(cash_count), SUM(cash_piasters), SUM(electronic_count), SUM(electronic_piasters)
FROM kpi_paid GROUP BY gov_code, day, unit_code, center_id, channel
UNION ALL
SELECT 'M', 'C', service_code, gov_code, month, unit_code, center_id, channel,
       SUM(cash_count), SUM(cash_piasters), SUM(electronic_count), SUM(electronic_piasters)
FROM kpi_paid GROUP BY service_code, gov_code, month, unit_code, center_id, channel
UNION ALL
SELECT 'M', 'C', '', gov_code, month, unit_code, center_id, channel,
       SUM(cash_count), SUM(cash_piasters), SUM(electronic_count), SUM(electronic_piasters)
FROM kpi_paid GROUP BY gov_code, month, unit_code, center_id, channel;

DROP VIEW kpi_paid;

-- The governorate and national rows, summed from the centers'.
INSERT INTO kpi_payments (grain, scope, service_code, gov_code, period, unit_code, center_id, channel,
    cash_count, cash_piasters, electronic_count, electronic_piasters)
SELECT grain, 'G', service_code, gov_code, period, '', '', channel,
       SUM(cash_count), SUM(cash_piasters), SUM(electronic_count), SUM(electronic_piasters)
FROM kpi_payments WHERE scope = 'C' GROUP BY grain, service_code, gov_code, period, channel;
INSERT INTO kpi_payments (grain, scope, service_code, gov_code, period, unit_code, center_id, channel,
    cash_count, cash_piasters, electronic_count, electronic_piasters)
SELECT grain, 'N', service_code, '', period, '', '', channel,
       SUM(cash_count), SUM(cash_piasters), SUM(electronic_count), SUM(electronic_piasters)
FROM kpi_payments WHERE scope = 'C' GROUP BY grain, service_code, period, channel;
