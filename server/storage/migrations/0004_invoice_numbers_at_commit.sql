-- Invoice numbers are taken when the transaction commits, not when the invoice is inserted: a deferred
-- constraint trigger numbers each new invoice during COMMIT. Numbering stays gapless (the number is taken
-- in the same transaction and given back if it rolls back), but the counter row is now locked only while
-- the commit itself runs, instead of from the insert until the application has sent COMMIT, which made
-- every checkout wait for the slowest one under load.

-- One counter per number series (the prefix, e.g. INV-2026-; see invoiceNumberPrefix in
-- server/domain/invoices.ts).
create table invoice_series (
  prefix text primary key,
  last_number integer not null
);

insert into invoice_series (prefix, last_number)
  select 'INV-' || year || '-', last_number from invoice_counters;

drop table invoice_counters;

-- A new invoice is inserted without a number and with the series to take it from.
alter table invoices add column number_prefix text;

update invoices set number_prefix = left(number, length(number) - 6);

alter table invoices alter column number drop not null;

-- The sequence has 6 digits: INV-<year>-<6 digits> (SPEC section 7).
create function billkit_number_invoice() returns trigger language plpgsql set search_path from current as $$
declare
  taken integer;
begin
  insert into invoice_series (prefix, last_number) values (new.number_prefix, 1)
    on conflict (prefix) do update set last_number = invoice_series.last_number + 1
    returning last_number into taken;
  update invoices set number = new.number_prefix || lpad(taken::text, tg_argv[0]::integer, '0') where id = new.id;
  return null;
end
$$;

create constraint trigger invoices_number_at_commit after insert on invoices
  deferrable initially deferred
  for each row when (new.number is null)
  execute function billkit_number_invoice('6');

alter table invoices add constraint invoices_number_or_series check (number is not null or number_prefix is not null);
