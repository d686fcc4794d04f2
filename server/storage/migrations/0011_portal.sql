-- The customer portal (SPEC.md section 12): sessions (made by the merchant's server with the secret key, or by
-- a sign-in with an emailed code) and the sign-in codes. Tokens and codes are kept as SHA-256 hashes only.
create table portal_sessions (
  id text primary key,
  -- sha-256 (hex) of the bearer token ps_...; the token itself is shown once, in the answer that made it.
  token_hash text not null unique,
  customer_id text not null references customers (id),
  -- 'api': POST /v1/portal-sessions; 'sign_in': POST /v1/portal/sign-in/verify.
  source text not null check (source in ('api', 'sign_in')),
  return_url text,
  locale text,
  -- {type: switch_plan|cancel|payment_method, subscriptionId}: where the portal opens.
  flow jsonb,
  created_at timestamptz not null,
  -- On the (test) clock, like every date of the subscription's life.
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index portal_sessions_customer on portal_sessions (customer_id);

-- One row per code asked for, whether or not a customer has the email: an unknown email gets a code that is
-- never mailed, so verifying behaves alike for both (no account enumeration through the answers).
create table portal_sign_in_codes (
  id text primary key,
  -- Lower case.
  email text not null,
  customer_id text references customers (id),
  code_hash text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  failed_attempts integer not null default 0 check (failed_attempts between 0 and 5),
  -- Set when the code signed in, was voided by its fifth wrong try, or was replaced by a newer code.
  used_at timestamptz,
  voided_at timestamptz
);
create index portal_sign_in_codes_email on portal_sign_in_codes (email, created_at desc);
