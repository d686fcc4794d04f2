-- Rate-limit counters shared by every BFF process (checkouts and confirmations: the routes that test cards).
-- One row per limiter, key and client address, with a fixed window. Unlogged: the counters are not worth a
-- WAL flush per request, and losing them in a crash only resets the windows.
create unlogged table rate_limit_hits (
  -- `<limiter>:<sha-256 of the API key and client address>`: no key is stored in the clear.
  key text primary key,
  hits integer not null,
  reset_at timestamptz not null
);
