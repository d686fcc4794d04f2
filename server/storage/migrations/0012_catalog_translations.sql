-- The catalog in the buyer's language (issue 18): the merchant's translations of what buyers read, per
-- language, as {"de": {"name": ..., "description": ...}} on families, products and plans and
-- {"de": {"unit": ..., "unitPlural": ..., "description": ...}} on measurements. The columns of the row are
-- the catalog's default language; a field a translation leaves out falls back to them (domain/translations.ts).
alter table product_families add column translations jsonb not null default '{}';
alter table products add column translations jsonb not null default '{}';
alter table plans add column translations jsonb not null default '{}';
alter table measurements add column translations jsonb not null default '{}';
-- The unit's plural ("calls" beside "call"); null: not given (the elements then form an English plural
-- in English and keep the singular in other languages, as before).
alter table measurements add column unit_plural text;
