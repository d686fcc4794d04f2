-- What of a credit note was taken off its invoice's amount due (Stripe's pre_payment_amount): a credit note on
-- an open or uncollectible invoice first lowers what is still due; only the rest is refunded or left with the
-- customer. Its PDF says which (server/domain/README.md, "Credit notes"). 0 for every credit note before.
alter table credit_notes add column pre_payment bigint not null default 0;
alter table credit_notes add constraint credit_notes_pre_payment_within_total check (pre_payment >= 0 and pre_payment <= total);
