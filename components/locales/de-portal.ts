// German templates for the portal's portal elements, spread into components/locales/de.ts.
import { str } from '@lit/localize';

export const templates = {
  // 'id': `Deutsch`,  or  'id': str`… ${0} …`,
};
void str;
