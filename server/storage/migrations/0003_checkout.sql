-- Customers, checkouts, subscriptions, invoices (SPEC.md sections 6-8) and idempotency keys.
create table customers (
  id text primary key,
  -- Lower case: a customer is reused by email.
  email text not null,
  name text not null,
  country char(2) not null,
  type text not null check (type in ('individual', 'business')),
  vat_id text,
  address jsonb,
  provider_customer_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint customers_email_key unique (email)
);

create table checkouts (
  id text primary key,
  status text not null check (status in ('open', 'requires_action', 'complete')),
  -- The validated cart and buyer as sent, and the quote the buyer was shown: the checkout is charged
  -- exactly that quote's total, never a figure from a later request.
  cart jsonb not null,
  buyer jsonb not null,
  quote jsonb not null,
  plan_id text not null references plans (id),
  amount_due bigint not null check (amount_due >= 0),
  currency char(3) not null,
  payment_provider text not null,
  payment_intent_id text,
  payment_id text,
  customer_id text references customers (id),
  subscription_id text,
  invoice_id text,
  created_at timestamptz not null default now(),
  completed_at timestamptz
);

create table subscriptions (
  id text primary key,
  customer_id text not null references customers (id),
  plan_id text not null references plans (id),
  -- The plan's family, or the plan itself when it has none: one live subscription per customer and key.
  family_key text not null,
  status text not null check (status in ('trialing', 'active', 'paused', 'cancelled', 'expired')),
  -- The chosen charges with their quantities (add-ons included when chosen): [{chargeId, quantity}].
  items jsonb not null,
  coupon_id text references coupons (id),
  -- Recurring periods billed so far (0 during a trial): a coupon's coverage counts these.
  periods_billed integer not null default 0,
  current_period_start timestamptz not null,
  current_period_end timestamptz not null,
  trial_end timestamptz,
  cancel_at_period_end boolean not null default false,
  cancelled_at timestamptz,
  checkout_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- A customer has at most one live subscription per family, whatever runs at once.
create unique index subscriptions_one_live_per_family on subscriptions (customer_id, family_key)
  where status in ('trialing', 'active', 'paused');
create index subscriptions_customer on subscriptions (customer_id);

-- Gapless invoice numbers per year: the row lock of the upsert serializes numbering, and a rolled-back
-- transaction gives its number back.
create table invoice_counters (
  year integer primary key,
  last_number integer not null
);

create table invoices (
  id text primary key,
  number text not null,
  customer_id text not null references customers (id),
  subscription_id text references subscriptions (id),
  status text not null check (status in ('draft', 'open', 'paid', 'void', 'uncollectible')),
  currency char(3) not null,
  subtotal bigint not null,
  discount bigint not null,
  tax bigint not null,
  total bigint not null,
  tax_treatment text not null,
  tax_behavior text not null,
  -- [{rate (bp), net, tax}] per rate.
  tax_breakdown jsonb not null,
  note text,
  -- The buyer's details as they were when the invoice was issued.
  bill_to jsonb not null,
  period_start timestamptz,
  period_end timestamptz,
  issued_at timestamptz not null,
  paid_at timestamptz,
  payment_id text,
  created_at timestamptz not null default now(),
  constraint invoices_number_key unique (number)
);
create index invoices_customer on invoices (customer_id);

create table invoice_lines (
  id text primary key,
  invoice_id text not null references invoices (id) on delete cascade,
  position integer not null,
  charge_id text not null,
  product_id text not null,
  description text not null,
  type text not null,
  quantity integer not null,
  unit_amount bigint,
  trial boolean not null default false,
  subtotal bigint not null,
  discount bigint not null,
  tax_rate integer not null,
  tax bigint not null,
  total bigint not null,
  period_start timestamptz,
  period_end timestamptz,
  constraint invoice_lines_position_key unique (invoice_id, position)
);

create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  status text not null check (status in ('running', 'done')),
  response_status integer,
  response_body jsonb,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);

-- Stripe webhook events already handled (idempotency by event id).
create table webhook_events (
  id text primary key,
  type text not null,
  received_at timestamptz not null default now()
);
