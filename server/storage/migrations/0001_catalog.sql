-- The catalog (SPEC.md section 2), API keys and settings.
-- Ids are text with a type prefix and sort by creation time (see storage/ids.ts).
create table product_families (
  id text primary key,
  code text not null,
  name text not null,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint product_families_code_key unique (code)
);

create table measurements (
  id text primary key,
  code text not null,
  unit text not null,
  description text,
  type text not null check (type in ('metered', 'recurring', 'instant_metered')),
  aggregation text not null check (aggregation in ('count', 'count_unique', 'max', 'sum', 'last_value', 'average')),
  prorated boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint measurements_code_key unique (code),
  constraint measurements_last_value check (type = 'metered' or aggregation = 'last_value')
);

create table products (
  id text primary key,
  number text not null,
  name text not null,
  internal_name text,
  description text,
  type text not null check (type in ('product', 'charge', 'plan')),
  family_id text references product_families (id),
  tax_group text not null check (tax_group in ('standard', 'reduced')),
  invoice_visibility text not null check (invoice_visibility in ('always', 'only_if_charged')),
  archived boolean not null default false,
  measurement_id text references measurements (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint products_number_key unique (number)
);

create table plans (
  id text primary key,
  code text not null,
  name text not null,
  description text,
  family_id text references product_families (id),
  status text not null check (status in ('draft', 'active', 'archived', 'inactive')),
  checkout_allowed boolean not null,
  currency char(3) not null,
  interval_unit text not null check (interval_unit in ('day', 'week', 'month', 'year')),
  interval_count integer not null check (interval_count >= 1),
  trial_days integer not null check (trial_days >= 0),
  tax_behavior text not null check (tax_behavior in ('exclusive', 'inclusive')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint plans_code_key unique (code)
);

create table plan_charges (
  id text primary key,
  plan_id text not null references plans (id) on delete cascade,
  position integer not null,
  product_id text not null references products (id),
  type text not null check (type in ('recurring', 'one_time', 'metered')),
  -- The pricing model as data: amounts inside are integers of minor units.
  pricing jsonb not null,
  quantity_default integer not null,
  quantity_min integer not null,
  quantity_max integer,
  quantity_adjustable boolean not null,
  optional boolean not null default false,
  constraint plan_charges_position_key unique (plan_id, position)
);

-- One row: bumped by every catalog write in the same transaction, so every process can tell that its
-- cached catalog is stale with one cheap read.
create table catalog_version (
  id integer primary key check (id = 1),
  version bigint not null
);
insert into catalog_version (id, version) values (1, 1);

create table api_keys (
  id text primary key,
  kind text not null check (kind in ('secret', 'publishable')),
  -- sha256 of the key, hex: keys are looked up by hash, never stored in the clear.
  key_hash text not null,
  -- The first characters, for people to tell keys apart (sk_test_ab12...).
  prefix text not null,
  created_at timestamptz not null default now(),
  constraint api_keys_key_hash_key unique (key_hash)
);

create table settings (
  id integer primary key check (id = 1),
  data jsonb not null,
  updated_at timestamptz not null default now()
);
insert into settings (id, data) values (1, '{}');
