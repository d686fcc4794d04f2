-- Webhooks and emails from the outbox (SPEC.md section 11). Every piece of work is a row that the delivery
-- workers of every process claim with FOR UPDATE SKIP LOCKED; a row is made in the same transaction as the
-- event it delivers (the trigger below), so an event committed is an event delivered, and never before.

create table webhook_endpoints (
  id text primary key,
  url text not null,
  -- Event types, or ["*"] for every type.
  events jsonb not null,
  enabled boolean not null default true,
  description text,
  -- The Standard Webhooks signing secret (whsec_...): needed in clear to sign; never shown after creation.
  secret text not null,
  -- After a rotation the old secret signs too (a second signature) until this Billkit-clock time, so a
  -- receiver can switch its verifier without refusing a delivery.
  previous_secret text,
  previous_secret_expires_at timestamptz,
  -- Why the endpoint was disabled by Billkit (gone: it answered 410; failing: it failed for 5 days).
  disabled_reason text,
  -- The Billkit-clock time of the first failure since the last success.
  failing_since timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- One delivery per (endpoint, event): a fan-out that runs twice, or a redelivery, never makes a second one.
create table webhook_deliveries (
  id text primary key,
  endpoint_id text not null references webhook_endpoints (id) on delete cascade,
  event_id text not null references events (id),
  status text not null check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  -- Billkit-clock time the next attempt is due. A claimed delivery is pushed a lease ahead, so a process
  -- killed while sending leaves it due again once the lease runs out (at least once).
  next_attempt_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz not null,
  unique (endpoint_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';

-- Every attempt, as the merchant sees it in GET /v1/webhook-endpoints/{id}/deliveries.
create table webhook_attempts (
  delivery_id text not null references webhook_deliveries (id) on delete cascade,
  number integer not null,
  at timestamptz not null,
  status_code integer,
  duration_ms integer not null,
  -- The first characters of the answer, or what went wrong before one came (timeout, refused address).
  response_excerpt text,
  error text,
  primary key (delivery_id, number)
);

-- Emails to buyers: one row per (event, template), or per sign-in code (event_id null, its own key).
create table emails (
  id text primary key,
  key text not null unique,
  event_id text references events (id),
  template text not null,
  -- What the template needs beyond the event (the sign-in code's recipient, locale and code).
  data jsonb not null default '{}',
  -- kept: stored, not sent (no SMTP); skipped: nothing to say (a receipt for an invoice with nothing paid).
  status text not null check (status in ('pending', 'sent', 'kept', 'skipped', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  recipient text,
  locale text,
  subject text,
  text_body text,
  html_body text,
  error text,
  created_at timestamptz not null,
  sent_at timestamptz
);
create index emails_due on emails (next_attempt_at) where status = 'pending';
create index emails_newest on emails (created_at desc, id desc);

-- The fan-out, in the transaction that writes the events: a delivery for each enabled endpoint that takes
-- an event's type, and the buyer's email for the types that have one. The workers are woken at commit. One
-- statement-level trigger over the statement's new rows, so a billing run's batch of events fans out in two
-- statements, not a few per event.
create or replace function billkit_notify_event() returns trigger language plpgsql set search_path from current as $$
begin
  insert into webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at, created_at)
    select 'whd_' || substr(n.id, 5) || substr(md5(e.id), 1, 16), e.id, n.id, 'pending', n.created_at, n.created_at
    from new_events n join webhook_endpoints e on e.enabled and (e.events ? '*' or e.events ? n.type)
    on conflict (endpoint_id, event_id) do nothing;
  insert into emails (id, key, event_id, template, status, next_attempt_at, created_at)
    select 'em_' || substr(n.id, 5), n.id || ':' || t.template, n.id, t.template, 'pending', n.created_at, n.created_at
    from new_events n
    join (values ('invoice.paid', 'receipt'), ('invoice.payment_failed', 'payment_failed'),
                 ('subscription.trial_will_end', 'trial_ending'), ('subscription.cancelled', 'cancellation_confirmed')) as t(type, template)
      on t.type = n.type
    on conflict (key) do nothing;
  perform pg_notify('billkit_changes', 'deliveries');
  return null;
end
$$;

create trigger events_notify after insert on events referencing new table as new_events
  for each statement execute function billkit_notify_event();
