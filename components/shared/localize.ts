/**
 * @lit/localize in runtime mode: English source, German target (components/locales/de.ts).
 * Text follows one page-wide locale (lit-localize has one); money and dates use each element's own locale.
 * The German templates are their own chunk, fetched the first time a page asks for German: an English page
 * never loads them.
 */
import { configureLocalization } from '@lit/localize';

export const sourceLocale = 'en';
export const targetLocales = ['de'] as const;

const { getLocale, setLocale } = configureLocalization({
  sourceLocale,
  targetLocales,
  loadLocale: () => import('../locales/de.js'),
});

export { getLocale };

/** The text locale for a BCP 47 tag: 'de-AT' -> 'de', anything we have no text for -> 'en'. */
export function textLocale(tag: string | null | undefined): 'en' | 'de' {
  return (tag ?? '').toLowerCase().split(/[-_]/)[0] === 'de' ? 'de' : 'en';
}

/** The element's locale: its own attribute, else the nearest lang attribute (the page's), else English. */
export function resolveLocale(element: Element, own?: string | null): string {
  if (own) return own;
  let node: Node | null = element;
  while (node) {
    if (node instanceof Element) {
      const lang = node.getAttribute('lang');
      if (lang) return lang;
    }
    node = node instanceof ShadowRoot ? node.host : node.parentNode;
  }
  return document.documentElement.lang || 'en';
}

/** Switch the page's text locale when it differs; resolves once the templates are in place. */
export async function useLocale(tag: string): Promise<void> {
  const wanted = textLocale(tag);
  if (getLocale() !== wanted) await setLocale(wanted);
}
