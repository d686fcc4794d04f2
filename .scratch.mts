import { writeFileSync } from 'node:fs';
import { renderEInvoice } from './server/documents/e-invoice.ts';
import { renderPdf } from './server/documents/pdf.ts';
import { invoiceModel } from './server/documents/model.ts';
import { TREATMENTS } from './test/support/documents.ts';
for (const [name, inv] of Object.entries(TREATMENTS)) {
  const m = invoiceModel(inv);
  m.seller!.phone = '+49 30 1234567';
  try {
    const xml = await renderEInvoice(m, 'ubl');
    writeFileSync(`/tmp/i16-${name}.xml`, xml);
    const fx = await renderEInvoice(m, 'factur-x', await renderPdf(m));
    writeFileSync(`/tmp/i16-${name}-fx.pdf`, fx);
    console.log(name, 'ok', xml.length, fx.length);
  } catch (e) { console.log(name, 'ERR', (e as Error).message, JSON.stringify((e as any).errors ?? (e as any).cause ?? Object.keys(e as any)).slice(0, 3000)); break; }
}
