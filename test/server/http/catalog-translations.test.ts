/**
 * The catalog in the buyer's language (issue 18): translations given through the admin API, the public
 * catalog, quotes and checkouts answering in the request's language, invoices (and their PDF) in the
 * customer's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { problemOf, pointers } from '../../support/api.js';
import { confirm, startCheckout } from '../../support/checkout.js';
import { A_SELLER, pdfText } from '../../support/documents.js';
import { testDatabases, unique } from '../../support/db.js';
import { advance, billingRun, clockedApp, invoicesOf } from '../../support/lifecycle.js';
import { bearer, portalToken } from '../../support/portal.js';

const bytes = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

for (const target of testDatabases()) {
  describe(`the catalog in the buyer's language on ${target.name}`, () => {
    const world = clockedApp(target);
    const sk = () => world.t.sk;
    const pk = () => world.t.pk;
    const admin = (method: 'post' | 'patch' | 'get', path: string, body?: object) => {
      const req = request(world.t.app)[method](path).set(sk());
      return body ? req.send(body) : req;
    };

    /** A family, a metered unit, two products and a sellable plan, German translations on most of it. */
    async function aTranslatedPlan() {
      const tag = unique('i18');
      const family = await admin('post', '/v1/product-families', {
        code: `${tag}-cloud`, name: 'Cloud', description: 'Hosting for teams.',
        translations: { de: { name: 'Wolke', description: 'Hosting für Teams.' } },
      }).expect(201);
      const members = await admin('post', '/v1/measurements', {
        code: `${tag}-members`, unit: 'member', unitPlural: 'members', description: 'Seats', type: 'recurring', aggregation: 'last_value',
        translations: { de: { unit: 'Mitglied', unitPlural: 'Mitglieder' } },
      }).expect(201);
      const seat = await admin('post', '/v1/products', {
        number: `${tag}-SEAT`, name: 'Team seat', description: 'Per member.', familyId: family.body.id, measurementId: members.body.id,
        // Only the name is translated: the description falls back to the default language's.
        translations: { de: { name: 'Team-Platz' } },
      }).expect(201);
      const support = await admin('post', '/v1/products', { number: `${tag}-SUP`, name: 'Priority support', familyId: family.body.id }).expect(201);
      const plan = await admin('post', '/v1/plans', {
        code: `${tag}-team`, name: 'Team', description: 'For growing teams.', familyId: family.body.id, currency: 'EUR',
        interval: { unit: 'month', count: 1 },
        translations: { de: { name: 'Team (DE)', description: 'Für wachsende Teams.' } },
        charges: [
          { product: seat.body.number, type: 'recurring', pricing: { model: 'per_unit', unitAmount: 1200 }, quantity: { default: 3, min: 1, max: 50, adjustable: true } },
          { product: support.body.number, type: 'recurring', pricing: { model: 'flat', amount: 4900 } },
        ],
      }).expect(201);
      return { tag, family: family.body, members: members.body, seat: seat.body, support: support.body, plan: plan.body };
    }

    /** A German customer's subscription to a translated plan. */
    async function aGermanSubscription(): Promise<{ plan: string; subscription: { id: string } }> {
      const { plan } = await aTranslatedPlan();
      const checkout = await startCheckout(world.t, { plan: plan.code }, { locale: 'de' });
      const done = await confirm(world.t, checkout.id);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      return { plan: plan.code, subscription: done.body.subscription };
    }

    const catalog = (query = '', language?: string) => {
      const req = request(world.t.app).get(`/v1/catalog${query}`).set(pk());
      return language === undefined ? req : req.set('Accept-Language', language);
    };
    const planIn = (body: { plans: { code: string }[] }, code: string) => body.plans.find((p) => p.code === code) as Record<string, any>;

    describe('the admin API', () => {
      it('when translations are given on create, then the admin views answer them beside the default fields', async () => {
        const { family, members, seat, plan } = await aTranslatedPlan();
        assert.deepEqual(family.translations, { de: { name: 'Wolke', description: 'Hosting für Teams.' } });
        assert.equal(members.unitPlural, 'members');
        assert.deepEqual(members.translations, { de: { unit: 'Mitglied', unitPlural: 'Mitglieder' } });
        assert.deepEqual(seat.translations, { de: { name: 'Team-Platz' } });
        assert.equal(plan.name, 'Team');
        assert.deepEqual(plan.translations, { de: { name: 'Team (DE)', description: 'Für wachsende Teams.' } });
        const read = await admin('get', `/v1/plans/${plan.code}`).expect(200);
        assert.deepEqual(read.body.translations, plan.translations);
        const untranslated = await admin('post', '/v1/products', { number: unique('P'), name: 'Plain' }).expect(201);
        assert.deepEqual(untranslated.body.translations, {});
      });

      it('when /openapi.json is read, then it names translations on every catalog input, the PATCHes, ?locale= and Accept-Language', async () => {
        const doc = (await request(world.t.app).get('/openapi.json').expect(200)).body;
        const text = JSON.stringify(doc);
        for (const path of ['/v1/product-families/{ref}', '/v1/measurements/{ref}']) assert.ok(doc.paths[path]?.patch, path);
        const params = (path: string, method: string) => (doc.paths[path][method].parameters ?? []).map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
        for (const [path, method] of [['/v1/catalog', 'get'], ['/v1/quotes', 'post']] as const) {
          assert.ok(params(path, method).includes('query:locale'), `${method} ${path} ?locale=`);
          assert.ok(params(path, method).includes('header:Accept-Language'), `${method} ${path} Accept-Language`);
        }
        assert.ok(params('/v1/checkouts', 'post').includes('query:locale'));
        assert.ok(text.includes('UnitTranslation') && text.includes('TextTranslation'));
        for (const schema of ['ProductFamily', 'Product', 'Plan', 'Measurement']) assert.ok(doc.components.schemas[schema].properties.translations, schema);
      });

      it('when a language Billkit does not speak, an empty name or a plural without its singular is given, then 400 names each field', async () => {
        const fr = problemOf(await admin('post', '/v1/products', { number: unique('P'), name: 'Seat', translations: { fr: { name: 'Siège' } } }), 400, 'validation_failed');
        assert.deepEqual(pointers(fr), ['/translations']);
        assert.match(fr.errors![0]!.detail, /en, de.*not fr/);
        const empty = problemOf(await admin('post', '/v1/product-families', { code: unique('f'), name: 'F', translations: { de: { name: '  ' } } }), 400, 'validation_failed');
        assert.deepEqual(pointers(empty), ['/translations/de/name']);
        const plural = problemOf(
          await admin('post', '/v1/measurements', { code: unique('m'), unit: 'call', type: 'metered', aggregation: 'sum', translations: { de: { unitPlural: 'Aufrufe' } } }),
          400, 'validation_failed',
        );
        assert.deepEqual(pointers(plural), ['/translations/de/unitPlural']);
        const unknownField = problemOf(await admin('post', '/v1/plans', { code: unique('p'), name: 'P', currency: 'EUR', interval: { unit: 'month', count: 1 }, charges: [], translations: { de: { title: 'x' } } }), 400, 'validation_failed');
        assert.ok(pointers(unknownField).some((p) => p.startsWith('/translations/de')), JSON.stringify(unknownField));
      });

      it('when a PATCH names a language, then it replaces that language whole; null removes it; other languages stay', async () => {
        const { family, members, seat, plan } = await aTranslatedPlan();
        const p1 = await admin('patch', `/v1/products/${seat.number}`, { translations: { en: { name: 'Seat for a team' } } }).expect(200);
        assert.deepEqual(p1.body.translations, { de: { name: 'Team-Platz' }, en: { name: 'Seat for a team' } });
        const p2 = await admin('patch', `/v1/products/${seat.number}`, { translations: { de: { description: 'Pro Mitglied.' }, en: null } }).expect(200);
        assert.deepEqual(p2.body.translations, { de: { description: 'Pro Mitglied.' } });
        const f = await admin('patch', `/v1/product-families/${family.code}`, { name: 'Cloud hosting', translations: { de: null } }).expect(200);
        assert.equal(f.body.name, 'Cloud hosting');
        assert.deepEqual(f.body.translations, {});
        const m = await admin('patch', `/v1/measurements/${members.code}`, { translations: { de: { unit: 'Person', unitPlural: 'Personen' } } }).expect(200);
        assert.deepEqual(m.body.translations, { de: { unit: 'Person', unitPlural: 'Personen' } });
        assert.equal(m.body.type, 'recurring');
        const typeChange = problemOf(await admin('patch', `/v1/measurements/${members.code}`, { type: 'metered' }), 400, 'validation_failed');
        assert.deepEqual(pointers(typeChange), ['']);
        const pl = await admin('patch', `/v1/plans/${plan.code}`, { translations: { de: { name: 'Team-Tarif' } } }).expect(200);
        assert.deepEqual(pl.body.translations, { de: { name: 'Team-Tarif' } });
        problemOf(await admin('patch', '/v1/product-families/fam_nope', { name: 'x' }), 404, 'family_not_found');
        problemOf(await admin('patch', '/v1/measurements/nope', { unit: 'x' }), 404, 'measurement_not_found');
      });
    });

    describe('GET /v1/catalog', () => {
      it('when nothing asks for a language, then it answers in the default language and says so', async () => {
        const { plan } = await aTranslatedPlan();
        const res = await catalog().expect(200);
        assert.equal(res.headers['content-language'], 'en');
        assert.match(String(res.headers.vary), /Accept-Language/i);
        const p = planIn(res.body, plan.code);
        assert.equal(p.name, 'Team');
        assert.equal(p.charges[0].productName, 'Team seat');
        assert.deepEqual(p.charges[0].measurement.unit, 'member');
        assert.deepEqual(p.charges[0].measurement.unitPlural, 'members');
        assert.equal(p.translations, undefined, 'the public catalog carries the names in one language, not the translations');
      });

      it('when Accept-Language is de or de-AT, then names, descriptions and units are German, each missing field in the default language', async () => {
        const { plan, family } = await aTranslatedPlan();
        for (const language of ['de', 'de-AT', 'fr-CH, de;q=0.8, en;q=0.5']) {
          const res = await catalog('', language).expect(200);
          assert.equal(res.headers['content-language'], 'de', language);
          const p = planIn(res.body, plan.code);
          assert.equal(p.name, 'Team (DE)');
          assert.equal(p.description, 'Für wachsende Teams.');
          assert.equal(p.charges[0].productName, 'Team-Platz');
          assert.equal(p.charges[0].productDescription, 'Per member.', 'no German description: the default one');
          assert.deepEqual(p.charges[0].measurement, { code: p.charges[0].measurement.code, unit: 'Mitglied', unitPlural: 'Mitglieder' });
          assert.equal(p.charges[1].productName, 'Priority support', 'no translation at all: the default');
          assert.equal(res.body.families.find((f: { code: string }) => f.code === family.code).name, 'Wolke');
        }
      });

      it('when q-values rank English above German, or German is ruled out, then it answers in English', async () => {
        const { plan } = await aTranslatedPlan();
        for (const language of ['de;q=0.2, en;q=0.9', 'de;q=0, *', 'fr', 'x-klingon!!', '']) {
          const res = await catalog('', language).expect(200);
          assert.equal(res.headers['content-language'], 'en', language);
          assert.equal(planIn(res.body, plan.code).name, 'Team', language);
        }
      });

      it('when ?locale= is given, then it wins over Accept-Language; a language Billkit does not speak is passed over; a malformed one is 400', async () => {
        const { plan } = await aTranslatedPlan();
        const en = await catalog('?locale=en', 'de').expect(200);
        assert.equal(en.headers['content-language'], 'en');
        assert.equal(planIn(en.body, plan.code).name, 'Team');
        const de = await catalog('?locale=de-AT', 'en').expect(200);
        assert.equal(planIn(de.body, plan.code).name, 'Team (DE)');
        const fr = await catalog('?locale=fr', 'de').expect(200);
        assert.equal(fr.headers['content-language'], 'de', 'fr is passed over: the header decides');
        const bad = problemOf(await catalog('?locale=de%20AT!'), 400, 'validation_failed');
        assert.deepEqual(pointers(bad), ['/query/locale']);
      });

      it('when the language differs, then so does the ETag, and a tag answers 304 only in its own language', async () => {
        await aTranslatedPlan();
        const en = await catalog().expect(200);
        const de = await catalog('', 'de').expect(200);
        assert.notEqual(en.headers.etag, de.headers.etag);
        await catalog('', 'de').set('If-None-Match', de.headers.etag!).expect(304);
        await catalog().set('If-None-Match', de.headers.etag!).expect(200);
      });
    });

    describe('quotes, checkouts and invoices', () => {
      it("when a quote is asked for in German, then its lines and metered charges are named in German", async () => {
        const { plan } = await aTranslatedPlan();
        const de = await request(world.t.app).post('/v1/quotes').set(pk()).set('Accept-Language', 'de-DE,de;q=0.9').send({ plan: plan.code }).expect(200);
        assert.equal(de.headers['content-language'], 'de');
        assert.deepEqual(de.body.lines.map((l: { description: string }) => l.description), ['Team-Platz', 'Priority support']);
        const en = await request(world.t.app).post('/v1/quotes?locale=en').set(pk()).set('Accept-Language', 'de').send({ plan: plan.code }).expect(200);
        assert.deepEqual(en.body.lines.map((l: { description: string }) => l.description), ['Team seat', 'Priority support']);
      });

      it("when a German buyer checks out, then the checkout, the invoice's lines and its PDF are German, and so is the customer", async () => {
        const { plan } = await aTranslatedPlan();
        await request(world.t.app).put('/v1/settings').set(sk()).send({ seller: A_SELLER }).expect(200);
        // The element says its language in the body; a request without it takes the header's.
        const res = await request(world.t.app).post('/v1/checkouts').set(pk()).set('Accept-Language', 'de-AT')
          .send({ plan: plan.code, customer: { email: `${unique('b')}@example.test`, name: 'Anna Muster', country: 'AT', type: 'individual', address: { line1: 'Ring 1', postalCode: '1010', city: 'Wien' } } })
          .expect(201);
        assert.equal(res.body.locale, 'de');
        assert.equal(res.headers['content-language'], 'de');
        assert.deepEqual(res.body.quote.lines.map((l: { description: string }) => l.description), ['Team-Platz', 'Priority support']);
        const done = await confirm(world.t, res.body.id);
        assert.equal(done.status, 200, JSON.stringify(done.body));
        assert.equal(done.body.customer.locale, 'de');
        assert.deepEqual(done.body.invoice.lines.map((l: { description: string }) => l.description), ['Team-Platz', 'Priority support']);
        const pdf = await request(world.t.app).get(`/v1/invoices/${done.body.invoice.id}/pdf`).set(sk()).buffer(true).parse(bytes).expect(200);
        const text = pdfText(pdf.body);
        assert.ok(text.includes('Team-Platz'), text);
        assert.ok(text.includes('Rechnung'), 'the document itself is German');
      });

      it("when the form's locale says en, then it wins over the request's German", async () => {
        const { plan } = await aTranslatedPlan();
        const res = await request(world.t.app).post('/v1/checkouts').set(pk()).set('Accept-Language', 'de')
          .send({ plan: plan.code, customer: { email: `${unique('b')}@example.test`, name: 'Ann', country: 'DE', type: 'individual', locale: 'en' } })
          .expect(201);
        assert.equal(res.body.locale, 'en');
        assert.equal(res.body.quote.lines[0].description, 'Team seat');
      });

      it("when a German customer's subscription renews, then the renewal invoice is named in German whatever the run's request says", async () => {
        const { plan, subscription } = await aGermanSubscription();
        // An English twin on the same plan, renewed in the same batch: the run's pricing memo must not hand
        // one customer's lines, named in their language, to the other.
        const english = await confirm(world.t, (await startCheckout(world.t, { plan }, { locale: 'en' })).id);
        assert.equal(english.status, 200, JSON.stringify(english.body));
        // Twins: the same period and anchor to the millisecond (as a batch of sign-ups at one instant has).
        await world.db.query(
          `update subscriptions e set current_period_start = g.current_period_start, current_period_end = g.current_period_end, anchor = g.anchor
             from subscriptions g where e.id = $1 and g.id = $2`,
          [english.body.subscription.id, subscription.id],
        );
        await advance(world.t, { days: 32 });
        await billingRun(world.t);
        const renewalOf = async (id: string) => (await invoicesOf(world.t, id)).find((i) => i.kind === 'renewal')!;
        assert.deepEqual((await renewalOf(subscription.id)).lines.map((l: { description: string }) => l.description), ['Team-Platz', 'Priority support']);
        assert.deepEqual((await renewalOf(english.body.subscription.id)).lines.map((l: { description: string }) => l.description), ['Team seat', 'Priority support']);
      });

      it("when a German customer opens the portal, then their plan and its usage are named in German", async () => {
        const { tag, family } = await aTranslatedPlan();
        const calls = await admin('post', '/v1/measurements', {
          code: `${tag}-calls`, unit: 'call', type: 'metered', aggregation: 'sum', translations: { de: { unit: 'Aufruf', unitPlural: 'Aufrufe' } },
        }).expect(201);
        const api = await admin('post', '/v1/products', { number: `${tag}-API`, name: 'API calls', measurementId: calls.body.id, translations: { de: { name: 'API-Aufrufe' } } }).expect(201);
        const base = await admin('post', '/v1/products', { number: `${tag}-BASE`, name: 'Base', familyId: family.id, translations: { de: { name: 'Grundgebühr' } } }).expect(201);
        const plan = await admin('post', '/v1/plans', {
          code: `${tag}-metered`, name: 'Metered', familyId: family.id, currency: 'EUR', interval: { unit: 'month', count: 1 },
          translations: { de: { name: 'Nach Verbrauch' } },
          charges: [
            { product: base.body.number, type: 'recurring', pricing: { model: 'flat', amount: 900 } },
            { product: api.body.number, type: 'metered', pricing: { model: 'package', packageSize: 1000, amount: 50 }, quantity: { default: 0, min: 0 } },
          ],
        }).expect(201);
        const checkout = await startCheckout(world.t, { plan: plan.body.code }, { locale: 'de' });
        const done = await confirm(world.t, checkout.id);
        assert.equal(done.status, 200, JSON.stringify(done.body));
        const token = await portalToken(world.t, done.body.customer.id);
        const res = await request(world.t.app).get(`/v1/portal/subscriptions/${done.body.subscription.id}`).set(bearer(token)).expect(200);
        assert.equal(res.body.plan.name, 'Nach Verbrauch');
        assert.deepEqual(res.body.plan.charges.map((c: { productName: string }) => c.productName), ['Grundgebühr', 'API-Aufrufe']);
        assert.equal(res.body.usage.charges[0].description, 'API-Aufrufe');
        assert.equal(res.body.usage.charges[0].measurement.unit, 'Aufruf');
        const adminView = await admin('get', `/v1/subscriptions/${done.body.subscription.id}/usage`).expect(200);
        assert.equal(adminView.body.charges[0].description, 'API calls', 'the admin view stays in the default language');
      });

      it("when a German customer's seats change mid-period, then the proration invoice credits and charges in German", async () => {
        const { subscription } = await aGermanSubscription();
        await advance(world.t, { days: 10 });
        const res = await request(world.t.app).post(`/v1/subscriptions/${subscription.id}/change`).set(sk()).send({ quantity: 5 });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.invoice.lines.map((l: { description: string }) => l.description), [
          'Nicht genutzte Zeit: Team-Platz', 'Nicht genutzte Zeit: Priority support', 'Restzeit: Team-Platz', 'Restzeit: Priority support',
        ]);
      });
    });
  });
}
