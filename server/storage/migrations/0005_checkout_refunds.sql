-- A checkout that can no longer be completed after its payment already went through (Stripe: the browser
-- pays before the BFF confirms; by then the coupon may have run out or the buyer may have subscribed in
-- another tab). It is marked `refunded` before the payment is given back, so that nothing completes it
-- afterwards; `refusal_code` says why, `refund_id` is the provider's refund once it was made.
alter table checkouts drop constraint checkouts_status_check;
alter table checkouts add constraint checkouts_status_check check (status in ('open', 'requires_action', 'complete', 'refunded'));
alter table checkouts add column refusal_code text;
alter table checkouts add column refund_id text;
