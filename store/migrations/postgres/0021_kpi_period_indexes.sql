-- KPI reads grouped by service, or by governorate nationally, take a period range of one
-- scope: without these indexes they walked every period's rows of the scope.
CREATE INDEX kpi_counts_period ON kpi_counts(grain, scope, gov_code, period);
CREATE INDEX kpi_days_period ON kpi_days(grain, scope, gov_code, period);
CREATE INDEX kpi_payments_period ON kpi_payments(grain, scope, gov_code, period);
