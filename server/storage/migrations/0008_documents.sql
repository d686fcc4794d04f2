-- Credit notes (SPEC.md sections 6 and 10): corrections of an issued invoice, in their own gapless series.

-- What has been credited on an invoice so far (the credit notes' totals): never more than its total.
alter table invoices add column amount_credited bigint not null default 0;
alter table invoices add constraint invoices_credit_at_most_total check (amount_credited >= 0 and amount_credited <= greatest(total, 0));
-- What has been refunded of the invoice's payment so far: never more than what was paid.
alter table invoices add column amount_refunded bigint not null default 0;
alter table invoices add constraint invoices_refund_at_most_paid check (amount_refunded >= 0 and amount_refunded <= amount_paid);
-- Per line, so that a credit by lines never gives back more of a line than it billed.
alter table invoice_lines add column amount_credited bigint not null default 0;
alter table invoice_lines add constraint invoice_lines_credit_at_most_total check (amount_credited >= 0 and amount_credited <= greatest(total, 0));

create table credit_notes (
  id text primary key,
  -- CN-<year>-<6 digits>, taken at commit from invoice_series like an invoice's number (0004).
  number text,
  number_prefix text not null,
  invoice_id text not null references invoices (id),
  customer_id text not null references customers (id),
  currency char(3) not null,
  subtotal bigint not null check (subtotal >= 0),
  tax bigint not null check (tax >= 0),
  total bigint not null check (total > 0),
  tax_breakdown jsonb not null,
  reason text not null,
  -- {amount, status: pending|succeeded|failed, id?, code?}: the refund through the payment provider.
  refund jsonb,
  issued_at timestamptz not null,
  created_at timestamptz not null default now(),
  constraint credit_notes_number_key unique (number)
);
create index credit_notes_invoice on credit_notes (invoice_id);

create table credit_note_lines (
  credit_note_id text not null references credit_notes (id) on delete cascade,
  position integer not null,
  invoice_line_id text not null references invoice_lines (id),
  description text not null,
  quantity integer not null,
  -- Net amount credited (exclusive of tax), the tax credited at the line's rate, and their sum.
  amount bigint not null,
  tax_rate integer not null,
  tax bigint not null,
  total bigint not null,
  period_start timestamptz,
  period_end timestamptz,
  primary key (credit_note_id, position)
);

-- The series mechanism of invoices (0004, 0007), now for any numbered table: the number is taken from
-- invoice_series as the transaction commits, and the events of the row get it at the same moment.
-- Invoices and credit notes share this one function.
create function billkit_number_document() returns trigger language plpgsql set search_path from current as $$
declare
  taken integer;
  numbered text;
begin
  insert into invoice_series (prefix, last_number) values (new.number_prefix, 1)
    on conflict (prefix) do update set last_number = invoice_series.last_number + 1
    returning last_number into taken;
  numbered := new.number_prefix || lpad(taken::text, tg_argv[0]::integer, '0');
  execute format('update %I set number = $1 where id = $2', tg_table_name) using numbered, new.id;
  update events set data = jsonb_set(data, '{object,number}', to_jsonb(numbered)) where object_id = new.id;
  return null;
end
$$;

create constraint trigger credit_notes_number_at_commit after insert on credit_notes
  deferrable initially deferred
  for each row when (new.number is null)
  execute function billkit_number_document('6');

drop trigger invoices_number_at_commit on invoices;
drop function billkit_number_invoice();
create constraint trigger invoices_number_at_commit after insert on invoices
  deferrable initially deferred
  for each row when (new.number is null)
  execute function billkit_number_document('6');
