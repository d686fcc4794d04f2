#!/usr/bin/env node
// Writes the README's element reference (between <!-- elements:start --> and <!-- elements:end -->) from
// custom-elements.json, the manifest `npm run manifest` generates from the elements' JSDoc.
import { readFileSync, writeFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8'));
const cell = (text = '') => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');
const out = [];
// The checkout's elements, then the portal's, each in the order a buyer meets them; any other after, by name
// (the manifest's own order follows the file system's, which differs between machines).
const order = [
  'billkit-plan-picker', 'billkit-coupon-entry', 'billkit-cart', 'billkit-payment-form', 'billkit-checkout',
  'billkit-portal', 'billkit-sign-in', 'billkit-subscription', 'billkit-plan-switch', 'billkit-cancel-flow',
  'billkit-invoice-list', 'billkit-payment-method', 'billkit-billing-details',
];
const rank = (tag) => (order.includes(tag) ? order.indexOf(tag) : order.length);
const elements = manifest.modules
  .flatMap((m) => m.declarations ?? [])
  .filter((d) => d.customElement && d.tagName)
  .sort((a, b) => rank(a.tagName) - rank(b.tagName) || a.tagName.localeCompare(b.tagName));
for (const d of elements) {
  out.push(`### \`<${d.tagName}>\``, '', cell(d.summary ?? d.description ?? ''), '');
  if (d.attributes?.length) {
    out.push('| attribute | type | default | description |', '|---|---|---|---|');
    for (const a of d.attributes) out.push(`| \`${a.name}\` | ${cell(a.type?.text)} | ${cell(a.default)} | ${cell(a.description)} |`);
    out.push('');
  }
  if (d.events?.length) {
    out.push('| event | description |', '|---|---|');
    for (const e of d.events) out.push(`| \`${e.name}\` | ${cell(e.description)} |`);
    out.push('');
  }
  if (d.slots?.length) out.push(`Slots: ${d.slots.map((s) => `\`${s.name || '(default)'}\` ${cell(s.description)}`).join('; ')}`, '');
  if (d.cssParts?.length) out.push(`Parts: ${d.cssParts.map((p) => `\`${p.name}\``).join(', ')}`, '');
  if (d.cssProperties?.length) {
    out.push('| CSS property | description |', '|---|---|');
    for (const p of d.cssProperties) out.push(`| \`${p.name}\` | ${cell(p.description)} |`);
    out.push('');
  }
}
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- elements:start -->';
const end = '<!-- elements:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < 0) throw new Error('README.md lacks the elements markers');
writeFileSync('README.md', readme.slice(0, i + start.length) + '\n' + out.join('\n') + '\n' + readme.slice(j));
console.log(`README.md: ${elements.length} elements documented from custom-elements.json`);
