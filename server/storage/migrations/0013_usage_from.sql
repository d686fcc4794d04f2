-- Usage billed before the end of the current period (server/domain/README.md, "Changing a subscription"): an
-- immediate change in the same interval that drops a metered measurement or bills it at another price
-- invoices that measurement's usage of [current_period_start, t) at once. From then on its current period's
-- usage counts from t: {measurementId: t}, emptied when the period ends. Events of the measurement dated
-- before t are refused as late, as events before current_period_start are.
alter table subscriptions add column usage_from jsonb not null default '{}'::jsonb;
