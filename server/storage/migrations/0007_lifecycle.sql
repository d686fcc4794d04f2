-- The subscription's whole life (SPEC.md sections 6, 8, 9, 11): renewals, dunning, usage, the outbox.

-- Customers: the balance (credit from prorations, applied before payment) and the language of their
-- emails and documents.
alter table customers add column balance bigint not null default 0;
alter table customers add column locale text not null default 'en';

-- Subscriptions: every status of SPEC section 6, and what the lifecycle needs to know.
alter table subscriptions drop constraint subscriptions_status_check;
alter table subscriptions add constraint subscriptions_status_check
  check (status in ('trialing', 'active', 'past_due', 'unpaid', 'paused', 'cancelled', 'expired'));
drop index subscriptions_one_live_per_family;
create unique index subscriptions_one_live_per_family on subscriptions (customer_id, family_key)
  where status in ('trialing', 'active', 'past_due', 'unpaid', 'paused');
-- Period k after the anchor A is [A + (k-1) x interval, A + k x interval): `anchor` is A and
-- `anchor_periods` the k of the current period (0 while a trial runs towards its anchor, the trial's end).
alter table subscriptions add column anchor timestamptz;
alter table subscriptions add column anchor_periods integer not null default 1;
update subscriptions set anchor = coalesce(trial_end, current_period_start),
  anchor_periods = case when trial_end is not null and periods_billed = 0 then 0 else 1 end;
alter table subscriptions alter column anchor set not null;
-- The coupon's code as redeemed, and the first recurring period it covers (1 for a checkout's coupon; the
-- next period for one applied later: its periods count from its application).
alter table subscriptions add column coupon_code text;
alter table subscriptions add column coupon_first_period integer not null default 1;
alter table subscriptions add column cancellation jsonb;
alter table subscriptions add column paused_at timestamptz;
alter table subscriptions add column resumes_at timestamptz;
alter table subscriptions add column expires_at timestamptz;
alter table subscriptions add column ended_at timestamptz;
-- {plan (id), items, effectiveAt}: a downgrade waiting for the period's end.
alter table subscriptions add column pending_change jsonb;
-- {provider, id, brand?, last4?, providerCustomerId?}: what renewals charge off-session.
alter table subscriptions add column default_payment_method jsonb;
-- The portal's retention offer is made once.
alter table subscriptions add column retention_offered boolean not null default false;
-- subscription.trial_will_end is written once per trial.
alter table subscriptions add column trial_will_end_sent boolean not null default false;
create index subscriptions_due on subscriptions (current_period_end)
  where status in ('trialing', 'active', 'past_due', 'unpaid', 'paused');

-- Invoices: every field of SPEC section 6.
alter table invoices add column kind text not null default 'checkout'
  check (kind in ('checkout', 'renewal', 'proration', 'final', 'usage', 'manual'));
alter table invoices add column balance_applied bigint not null default 0;
alter table invoices add column amount_due bigint;
alter table invoices add column amount_paid bigint not null default 0;
update invoices set amount_due = total, amount_paid = case when status = 'paid' then total else 0 end;
alter table invoices alter column amount_due set not null;
alter table invoices add column seller jsonb;
alter table invoices add column due_at timestamptz;
update invoices set due_at = issued_at;
alter table invoices add column voided_at timestamptz;
-- When the next payment attempt is due (dunning); null when none is planned.
alter table invoices add column next_attempt_at timestamptz;
-- The recurring period an invoice bills, once: the billing run may be killed anywhere or run twice at once,
-- and the database still refuses a second invoice for the same period (or a second final invoice).
create unique index invoices_once_per_period on invoices (subscription_id, period_start)
  where kind in ('checkout', 'renewal') and subscription_id is not null;
create unique index invoices_one_final on invoices (subscription_id) where kind = 'final';
create index invoices_retry_due on invoices (next_attempt_at) where status = 'open' and next_attempt_at is not null;
create index invoices_subscription on invoices (subscription_id);
alter table invoice_lines add column proration boolean not null default false;

-- Payment attempts: one row per attempt, written before the provider is called (outside any row lock) and
-- completed after. The provider call carries the idempotency key `<invoice id>:<number>`, so an attempt
-- re-run after a crash charges once.
create table invoice_attempts (
  invoice_id text not null references invoices (id),
  number integer not null,
  at timestamptz not null,
  amount bigint not null,
  outcome text not null check (outcome in ('pending', 'succeeded', 'declined')),
  code text,
  payment_id text,
  primary key (invoice_id, number)
);
create index invoice_attempts_pending on invoice_attempts (invoice_id) where outcome = 'pending';

-- The outbox (SPEC section 11): every state change writes its events in its own transaction.
create table events (
  id text primary key,
  -- Delivery order within one process's reading; not a promise of order to receivers.
  seq bigserial not null,
  type text not null,
  -- The id of data.object, so that an invoice's number (taken at commit) reaches its events.
  object_id text,
  data jsonb not null,
  created_at timestamptz not null
);
create index events_type on events (type, id);
create index events_seq on events (seq);
create index events_object on events (object_id);

-- The invoice number is taken at commit (0004); the events of that invoice get it at the same moment.
create or replace function billkit_number_invoice() returns trigger language plpgsql set search_path from current as $$
declare
  taken integer;
  numbered text;
begin
  insert into invoice_series (prefix, last_number) values (new.number_prefix, 1)
    on conflict (prefix) do update set last_number = invoice_series.last_number + 1
    returning last_number into taken;
  numbered := new.number_prefix || lpad(taken::text, tg_argv[0]::integer, '0');
  update invoices set number = numbered where id = new.id;
  update events set data = jsonb_set(data, '{object,number}', to_jsonb(numbered)) where object_id = new.id;
  return null;
end
$$;

-- Metered usage (SPEC section 9): idempotent per measurement and event id.
create table usage_events (
  measurement_id text not null references measurements (id),
  id text not null,
  subscription_id text not null references subscriptions (id),
  value bigint not null check (value >= 0),
  at timestamptz not null,
  unique_key text not null,
  -- Arrival order: last_value's ties go to the later arrival.
  seq bigserial not null,
  primary key (measurement_id, id)
);
create index usage_events_period on usage_events (subscription_id, measurement_id, at);

-- Billing runs (POST/GET /v1/billing-runs): what each run did.
create table billing_runs (
  id text primary key,
  trigger text not null check (trigger in ('schedule', 'api')),
  started_at timestamptz not null,
  finished_at timestamptz,
  clock timestamptz not null,
  summary jsonb not null default '{}'
);
