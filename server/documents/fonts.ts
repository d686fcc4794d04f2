/**
 * The fonts documents are set in, shipped by npm packages (Google's Noto, OFL) and read from node_modules:
 * nothing is fetched at run time. Noto Sans covers Latin with every EU diacritic, Greek and Cyrillic; Noto
 * Sans SC covers Chinese (and Japanese kanji, kana); Noto Sans Arabic covers Arabic. Text is split into runs
 * by the first of these fonts that has each character. A character none of them has is never dropped
 * silently: it is printed as its code point, `[U+1F600]`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';

export type FontName = 'regular' | 'bold' | 'cjk' | 'arabic';

const FILES: Record<FontName, string> = {
  regular: '@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf',
  cjk: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  arabic: '@expo-google-fonts/noto-sans-arabic/400Regular/NotoSansArabic_400Regular.ttf',
};

const require = createRequire(import.meta.url);
const buffers = new Map<FontName, Buffer>();

const parsed = new Map<FontName, fontkit.Font>();

function fontBytes(name: FontName): Buffer {
  let bytes = buffers.get(name);
  if (!bytes) buffers.set(name, (bytes = readFileSync(require.resolve(FILES[name]))));
  return bytes;
}

/**
 * The font, read and parsed once per process: pdfkit takes a parsed fontkit font as it takes a file, and
 * subsets it per document (parsing the file again for each document cost most of a render).
 */
export function font(name: FontName): fontkit.Font {
  let f = parsed.get(name);
  if (!f) parsed.set(name, (f = fontkit.create(fontBytes(name)) as fontkit.Font));
  return f;
}

export interface TextRun {
  /** `regular` stands for the caller's Latin face (regular or bold). */
  font: 'regular' | 'cjk' | 'arabic';
  text: string;
}

/** Marks, joiners and spaces go with the run they are in; they never start a run of their own. */
const NEUTRAL = /[\s\p{M}\u200c\u200d]/u;

/** Splits `text` into runs of one font each; characters no font has become `[U+XXXX]` in the Latin face. */
export function textRuns(text: string): TextRun[] {
  const runs: TextRun[] = [];
  const push = (name: TextRun['font'], part: string) => {
    const last = runs[runs.length - 1];
    if (last && last.font === name) last.text += part;
    else runs.push({ font: name, text: part });
  };
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (NEUTRAL.test(char) && runs.length > 0) {
      runs[runs.length - 1]!.text += char;
      continue;
    }
    if (font('regular').hasGlyphForCodePoint(cp)) push('regular', char);
    else if (font('cjk').hasGlyphForCodePoint(cp)) push('cjk', char);
    else if (font('arabic').hasGlyphForCodePoint(cp)) push('arabic', char);
    else push('regular', `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`);
  }
  return runs;
}
