/**
 * The fuzzer's parts: a seeded random source, the hostile values an attacker tries (wrong types, numbers
 * beyond every column, NUL and lone surrogates, long strings, deep nesting, prototype keys, impossible
 * dates), and mutations of a valid request's body, path and query built from them. Everything is drawn
 * from one seed, so the same seed makes the same requests again.
 */

/** mulberry32: a small, fast, seeded PRNG (the same seed gives the same sequence on every machine). */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}

/** JSON text put into a body as is: numbers JSON.stringify cannot write, nesting too deep for it to walk. */
export class Raw {
  constructor(readonly json: string) {}
}

const deepArrays = (levels: number) => new Raw('['.repeat(levels) + ']'.repeat(levels));
const deepObjects = (levels: number) => new Raw('{"a":'.repeat(levels) + '1' + '}'.repeat(levels));

/** Strings that break things: NUL, lone surrogates, lengths beyond every column, look-alike numbers and dates. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '\ud83d',
  '😀',
  '\u202e\u200b',
  'x'.repeat(256),
  'x'.repeat(5000),
  'x'.repeat(60_000),
  '-1',
  '1e400',
  'NaN',
  'Infinity',
  'null',
  'true',
  '__proto__',
  'constructor',
  'toString',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2024-02-30T00:00:00Z',
  '2024-13-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '2024-01-01T00:00:00+25:00',
  '2024-01-01',
  "'; drop table plans; --",
  '%00',
  '<script>alert(1)</script>',
];

/** Numbers beyond each column: int4, the safe integers, doubles, fractions, negatives. */
export const NASTY_NUMBERS: readonly (number | Raw)[] = [
  0,
  -0,
  -1,
  0.5,
  1.5,
  -0.0001,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  2 ** 53,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  5e-324,
  new Raw('1e400'),
  new Raw('-1e400'),
  new Raw('123456789012345678901234567890'),
  new Raw('1.0000000000000000000001'),
];

/** Values of other shapes: other types, empty containers, deep nesting. */
export const NASTY_SHAPES: readonly unknown[] = [
  null,
  true,
  false,
  [],
  {},
  [null],
  [[[]]],
  { a: 1 },
  deepArrays(20_000),
  deepObjects(3_000),
  deepArrays(64),
];

/** Keys that name Object.prototype's parts. */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'];

/** Any hostile value; strings and numbers the most often, as they are what reaches the database. */
export function nastyValue(random: Random): unknown {
  const roll = random.next();
  if (roll < 0.45) return random.pick(NASTY_STRINGS);
  if (roll < 0.8) return random.pick(NASTY_NUMBERS);
  if (roll < 0.95) {
    // A copy: a later mutation may change what it was given.
    const shape = random.pick(NASTY_SHAPES);
    return shape instanceof Raw ? shape : structuredClone(shape);
  }
  return prototypeObject(random);
}

/** An object whose own keys are prototype names (`{"__proto__": {...}}` as JSON.parse reads it). */
function prototypeObject(random: Random): Record<string, unknown> {
  const object = Object.create(null) as Record<string, unknown>;
  object[random.pick(PROTOTYPE_KEYS)] = random.chance(0.5) ? { polluted: true, isAdmin: true } : nastyValue(random);
  return object;
}

/** A near miss of a valid value: the same type pushed past its edges. */
function edgeOf(value: unknown, random: Random): unknown {
  if (typeof value === 'number') {
    return random.pick([value + 0.5, -value, value - 1, value * 2 ** 31, value + 2 ** 31, value * 1e300, -(2 ** 31), 2 ** 31]);
  }
  if (typeof value === 'string') {
    const middle = Math.floor(value.length / 2);
    return random.pick([
      value.slice(0, middle) + '\u0000' + value.slice(middle),
      value + '\ud800',
      '\udfff' + value,
      // Long, but not so long that mutating the same field again (three mutations a body) breaks String.repeat.
      value.repeat(Math.max(2, Math.min(200, Math.ceil(100_000 / Math.max(1, value.length))))),
      ` ${value} `,
      value.toLowerCase(),
      value.slice(0, middle),
    ]);
  }
  return nastyValue(random);
}

type Container = Record<string, unknown> | unknown[];

/** Every container in a value (itself first), with the keys it holds. */
function containers(value: unknown, found: Container[] = []): Container[] {
  if (value === null || typeof value !== 'object' || value instanceof Raw) return found;
  found.push(value as Container);
  for (const child of Object.values(value)) containers(child, found);
  return found;
}

/**
 * Mutates a copy of a valid body one to three times: a field replaced by a hostile value or pushed past its
 * edge, removed, or added (a field the schema knows but the body left out, a prototype key, an unknown one);
 * now and then the whole body is something else.
 */
export function mutateBody(valid: unknown, random: Random, schemaKeys: readonly string[]): unknown {
  if (random.chance(0.04)) return nastyValue(random);
  const body = structuredClone(valid);
  const times = 1 + random.int(3);
  for (let i = 0; i < times; i++) {
    const target = random.pick(containers(body));
    const keys = Object.keys(target);
    const roll = random.next();
    if (keys.length > 0 && roll < 0.35) {
      const key = random.pick(keys) as keyof typeof target;
      (target as Record<string, unknown>)[key] = nastyValue(random);
    } else if (keys.length > 0 && roll < 0.6) {
      const key = random.pick(keys) as keyof typeof target;
      (target as Record<string, unknown>)[key] = edgeOf((target as Record<string, unknown>)[key], random);
    } else if (keys.length > 0 && roll < 0.7 && !Array.isArray(target)) {
      delete target[random.pick(keys)];
    } else if (!Array.isArray(target)) {
      const key = random.chance(0.5) && schemaKeys.length > 0 ? random.pick(schemaKeys) : random.chance(0.5) ? random.pick(PROTOTYPE_KEYS) : 'extra';
      if (key === '__proto__') Object.defineProperty(target, key, { value: nastyValue(random), enumerable: true, writable: true, configurable: true });
      else target[key] = nastyValue(random);
    } else {
      target.push(nastyValue(random));
    }
  }
  return body;
}

/** JSON text of a value that may hold Raw parts and own `__proto__` keys. */
export function toJson(value: unknown): string {
  if (value instanceof Raw) return value.json;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** A path segment as a client would send it; some hostile ones are sent percent-encoded as raw bytes. */
export const NASTY_SEGMENTS: readonly string[] = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%ff',
  '%E0%A4%A',
  '%',
  '%25',
  '%2F',
  '..',
  '.',
  '%2e%2e',
  '%F0%9F%98%80',
  'x'.repeat(256),
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  '-1',
  '0',
  '1e400',
  '%20',
  '%0A',
];

/** A hostile path segment or query value: one of the above, or a hostile string percent-encoded. */
export function nastySegment(random: Random): string {
  if (random.chance(0.6)) return random.pick(NASTY_SEGMENTS);
  return encodeLoosely(random.pick(NASTY_STRINGS).slice(0, 2000));
}

/** encodeURIComponent, except that a lone surrogate is sent as the UTF-8 bytes it would have (invalid UTF-8). */
function encodeLoosely(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    else out += encodeURIComponent(char);
  }
  return out;
}
