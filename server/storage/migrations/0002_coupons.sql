-- Coupons (SPEC.md section 3) and their codes; redemptions are written by checkouts.
create table coupons (
  id text primary key,
  -- The coupon's own code, normalized (trimmed, upper case); also registered in coupon_codes.
  code text not null,
  name text not null,
  type text not null check (type in ('percentage', 'fixed_amount')),
  -- Hundredths of a percent (12.5% = 1250): no floats near money.
  percentage_hundredths integer check (percentage_hundredths > 0 and percentage_hundredths < 10000),
  fixed_amount bigint check (fixed_amount > 0),
  currency char(3),
  frequency text not null check (frequency in ('once', 'limited', 'lifetime')),
  number_of_periods integer check (number_of_periods >= 1),
  plan_ids text[] not null default '{}',
  product_ids text[] not null default '{}',
  excluded_plan_ids text[] not null default '{}',
  excluded_product_ids text[] not null default '{}',
  expires_at timestamptz,
  max_redemptions integer check (max_redemptions >= 1),
  max_redemptions_per_customer integer check (max_redemptions_per_customer >= 1),
  enabled boolean not null default true,
  times_redeemed integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint coupons_code_key unique (code),
  -- The total limit holds under any concurrency: redemption is a conditional update that this backs up.
  constraint coupons_limit check (max_redemptions is null or times_redeemed <= max_redemptions),
  constraint coupons_shape check (
    (type = 'percentage' and percentage_hundredths is not null and fixed_amount is null)
    or (type = 'fixed_amount' and fixed_amount is not null and currency is not null and percentage_hundredths is null)
  )
);

-- Every code a buyer can type: each coupon's own code (single_use false) and generated single-use codes.
-- One unique index across both kinds, so a generated code never shadows a coupon's code.
create table coupon_codes (
  id text primary key,
  coupon_id text not null references coupons (id) on delete cascade,
  code text not null,
  single_use boolean not null,
  redeemed_at timestamptz,
  created_at timestamptz not null default now(),
  constraint coupon_codes_code_key unique (code)
);
create index coupon_codes_coupon on coupon_codes (coupon_id);

create table coupon_redemptions (
  id text primary key,
  coupon_id text not null references coupons (id),
  code_id text not null references coupon_codes (id),
  customer_id text not null,
  customer_email text not null,
  checkout_id text not null,
  created_at timestamptz not null default now(),
  constraint coupon_redemptions_checkout_key unique (checkout_id)
);
create index coupon_redemptions_coupon_customer on coupon_redemptions (coupon_id, customer_email);
