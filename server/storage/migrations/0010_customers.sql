-- Customers the merchant can link to its own users (SPEC section 13): the merchant's own id for the
-- customer (unique when set; NULLs are distinct), and flat string metadata on customers and subscriptions.
alter table customers add column ref_key text;
alter table customers add constraint customers_ref_key_key unique (ref_key);
alter table customers add column metadata jsonb not null default '{}';
alter table subscriptions add column metadata jsonb not null default '{}';

-- Customer sessions: the merchant's server vouches for its signed-in user; the checkout element carries the
-- secret. Only its SHA-256 is kept. `customer_id` names an existing customer, or `ref_key` (with the
-- prefilled email) a new one, created at the confirmation. A session completes one checkout: `used_at`
-- and `checkout_id` are set in that checkout's transaction.
create table customer_sessions (
  id text primary key,
  secret_hash text not null,
  customer_id text references customers (id),
  ref_key text,
  prefill jsonb not null,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  used_at timestamptz,
  checkout_id text,
  constraint customer_sessions_secret_hash_key unique (secret_hash),
  constraint customer_sessions_names_one check ((customer_id is null) <> (ref_key is null))
);
create index customer_sessions_customer on customer_sessions (customer_id);

-- A checkout remembers the session it was started with and the merchant's unverified client reference.
alter table checkouts add column customer_session_id text references customer_sessions (id);
alter table checkouts add column client_reference_id text;
