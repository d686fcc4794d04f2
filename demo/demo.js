// The demo shop's own script: it hands the elements the BFF's address and the publishable key, picks the
// plan of the hosted checkout from the URL, and switches theme and language. No inline script: the CSP
// allows scripts from this origin only.
// The shop's own words in German (the pages have them in English); the elements speak for themselves.
const GERMAN = {
  title: 'Billkit Cloud: Preise', checkout_title: 'Kasse: Billkit Cloud', pricing: 'Preise', docs: 'API-Dokumentation', back: 'Zurück zu den Preisen',
  dark: 'Dunkel', signedIn: 'Angemeldet als Ada (eine Nutzerin dieses Shops)', language: 'Sprache', checkout: 'Kasse', plans: 'Tarife',
  hero: 'Liefern Sie Projekte, nicht Infrastruktur',
  hero_text: 'Hosting für Teams jeder Größe. Team 14 Tage kostenlos testen; jederzeit kündbar.',
  faq: 'Fragen', faq_vat: 'Welche MwSt. zahle ich?',
  faq_vat_answer: 'Die Preise sind ohne MwSt. angegeben. Unternehmen in einem anderen EU-Land mit gültiger USt-IdNr. zahlen keine (Reverse Charge).',
  faq_try: 'Kann ich es ausprobieren?',
  faq_try_answer: 'Zahlen Sie in dieser Demo mit der Testkarte 4242 4242 4242 4242; 4000 0000 0000 0002 wird abgelehnt. Der Code WELCOME20 zieht 20 % von den ersten drei Abrechnungszeiträumen ab.',
  footer: 'Ein Demo-Shop mit Billkit: Alles auf dieser Seite liefert Ihr eigenes BFF.',
  portal_title: 'Ihr Konto: Billkit Cloud', account: 'Ihr Konto', manage: 'Abonnement verwalten',
  test_mail: 'Testmodus: Die E-Mails dieses Shops, auch Ihr Code, stehen unter',
};
const german = () => document.documentElement.lang === 'de';
/** An element's text in the page's language: the English it was written with, or its German. */
const translate = (key, english) => (german() ? GERMAN[key] : english);
const resultText = ({ subscriptionId, invoiceNumber }) => german()
  ? `Abonnement ${subscriptionId} gestartet; Rechnung ${invoiceNumber}.`
  : `Subscription ${subscriptionId} started; invoice ${invoiceNumber}.`;

/** The completed checkout the result banner tells of: it is told again in the other language after a switch. */
let completed = null;

const config = await (await fetch('/demo-config.json')).json();
const api = config.api || window.location.origin;

const ELEMENTS = 'billkit-plan-picker, billkit-checkout, billkit-portal';
for (const el of document.querySelectorAll(ELEMENTS)) {
  el.setAttribute('api', api);
  if (config.publishableKey) el.setAttribute('publishable-key', config.publishableKey);
}

const checkout = document.querySelector('billkit-checkout');
if (checkout) {
  const fromPath = decodeURIComponent(window.location.pathname.split('/')[2] ?? '');
  const plan = fromPath || new URLSearchParams(window.location.search).get('plan') || 'team-monthly';
  checkout.setAttribute('plan', plan);
  // After paying, "Manage subscription" leads to the portal (see manageSubscription below for Ada).
  checkout.setAttribute('portal-url', '/portal');
  // The address follows the plan the buyer picks, so a reload or a shared link opens the same plan.
  checkout.addEventListener('billkit-plan-select', (event) => {
    setTimeout(() => {
      if (event.defaultPrevented) return;
      const query = new URLSearchParams(window.location.search);
      query.delete('plan');
      history.replaceState(null, '', `/checkout/${encodeURIComponent(event.detail.plan)}${query.size ? `?${query}` : ''}`);
    });
  });
  // Signed-in user mode: the shop's server (server/seed/demo-shop.ts) makes a customer session for its user
  // with the secret key; the page only passes the session's client secret to the element.
  const signedIn = document.getElementById('signed-in');
  const applyUser = async () => {
    localStorage.setItem('billkit-demo-user', signedIn.checked ? 'signed-in' : 'guest');
    if (!signedIn.checked) return checkout.removeAttribute('customer-session');
    const res = await fetch('/demo/session', { method: 'POST' });
    if (res.ok) checkout.setAttribute('customer-session', (await res.json()).clientSecret);
  };
  // A page the shop rewrote meanwhile (the account-page tests put portal parts in its place) has no checkbox.
  if (config.provider === 'test' && signedIn) {
    document.getElementById('signed-in-label').hidden = false;
    signedIn.checked = localStorage.getItem('billkit-demo-user') === 'signed-in';
    if (signedIn.checked) void applyUser();
    signedIn.addEventListener('change', () => void applyUser());
  }
  checkout.addEventListener('billkit-checkout-complete', (event) => {
    const result = document.getElementById('result');
    result.hidden = false;
    completed = event.detail;
    result.textContent = resultText(completed);
  });
}

// "Manage subscription": the shop's signed-in user (Ada) goes straight in, through a portal session the shop's
// server opens with the secret key (server/seed/demo-shop.ts); a guest signs in on /portal with an emailed code.
const signedInUser = () => config.provider === 'test' && localStorage.getItem('billkit-demo-user') === 'signed-in';
const manageSubscription = async (event) => {
  if (!signedInUser()) return;
  event.preventDefault();
  const res = await fetch('/demo/portal-session', { method: 'POST' });
  window.location.assign(res.ok ? (await res.json()).url : '/portal');
};
// The link in the shop's header, and the one the checkout shows once paid (inside its shadow DOM).
document.addEventListener('click', (event) => {
  const link = event.composedPath().find((node) => node instanceof HTMLAnchorElement);
  if (link && new URL(link.href, window.location.href).pathname === '/portal' && window.location.pathname !== '/portal') void manageSubscription(event);
});

// The hosted portal keeps its session for a reload of this tab (the element took it from the link's #session=,
// or it comes from a sign-in by code), and forgets it on sign-out.
const portal = document.querySelector('billkit-portal');
if (portal) {
  const KEY = 'billkit-portal-session';
  if (portal.session) sessionStorage.setItem(KEY, portal.session);
  else if (sessionStorage.getItem(KEY)) portal.setAttribute('session', sessionStorage.getItem(KEY));
  portal.addEventListener('billkit-portal-sign-in', () => sessionStorage.setItem(KEY, portal.session));
  portal.addEventListener('billkit-portal-sign-out', () => sessionStorage.removeItem(KEY));
}

// The hosted portal: in test mode, say where the sign-in code can be read.
if (config.provider === 'test') for (const el of document.querySelectorAll('.test-mode')) el.hidden = false;

const dark = document.getElementById('dark');
const applyTheme = () => document.documentElement.classList.toggle('dark', dark.checked);
dark.checked = localStorage.getItem('billkit-demo-theme') === 'dark' || (localStorage.getItem('billkit-demo-theme') === null && matchMedia('(prefers-color-scheme: dark)').matches);
applyTheme();
dark.addEventListener('change', () => {
  localStorage.setItem('billkit-demo-theme', dark.checked ? 'dark' : 'light');
  applyTheme();
});

const lang = document.getElementById('lang');
lang.value = localStorage.getItem('billkit-demo-lang') ?? 'en';
const applyLang = () => {
  document.documentElement.lang = lang.value;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.dataset.en ??= el.textContent;
    el.textContent = translate(el.dataset.i18n, el.dataset.en);
  }
  for (const el of document.querySelectorAll('[data-i18n-label]')) {
    el.dataset.enLabel ??= el.getAttribute('aria-label');
    el.setAttribute('aria-label', translate(el.dataset.i18nLabel, el.dataset.enLabel));
  }
  // The elements ask the BFF in their locale: plan names, units and the cart's lines come in the merchant's German.
  for (const el of document.querySelectorAll(ELEMENTS)) el.setAttribute('locale', lang.value);
  const result = document.getElementById('result');
  if (result && completed) result.textContent = resultText(completed);
};
applyLang();
lang.addEventListener('change', () => {
  localStorage.setItem('billkit-demo-lang', lang.value);
  applyLang();
});
