/**
 * Library build of the browser elements:
 *   dist/billkit.js              every element (components/index.ts): one <script type="module"> is enough
 *   dist/elements/<name>.js      one element each (what they share lands in dist/chunks/)
 * lit is bundled, output minified. Lit's decorators are the experimental ones (tsconfig.json), which
 * Vite transforms; standard `accessor` decorators would be left untransformed by Vite 8.
 * The build fails when dist/billkit.js (every element) passes the budget of 40 kB brotli.
 */

const BUDGET_BYTES = 40 * 1024;

function reportSizes(): void {
  const brotli = (file: string) => brotliCompressSync(readFileSync(file)).length;
  const all = brotli('dist/billkit.js');
  const lazy = readdirSync('dist/chunks').filter((f) => f.startsWith('pure-'));
  const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  console.log(`billkit: dist/billkit.js ${kB(all)} brotli (budget ${kB(BUDGET_BYTES)})` +
    (lazy.length ? `; Stripe loader, fetched only for Stripe: ${kB(brotli(`dist/chunks/${lazy[0]}`))}` : ''));
  if (all > BUDGET_BYTES) throw new Error(`dist/billkit.js is ${kB(all)} brotli, over the ${kB(BUDGET_BYTES)} budget`);
}
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { brotliCompressSync } from 'node:zlib';
import { build, defineConfig, type Plugin } from 'vite';

/** Every element: each components/<name>/<name>.ts (plan-picker, cart, ..., portal, invoice-list, ...). */
const elements = readdirSync('components', { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`components/${entry.name}/${entry.name}.ts`))
  .map((entry) => entry.name);

/**
 * After the multi-entry build, build dist/billkit.js again on its own so that it needs no chunk
 * (only the Stripe loader stays a separate file, fetched when a checkout uses Stripe).
 */
function standaloneBundle(): Plugin {
  let nested = false;
  return {
    name: 'billkit-standalone-bundle',
    apply: 'build',
    async closeBundle() {
      if (nested || process.env.BILLKIT_NESTED_BUILD) return;
      nested = true;
      process.env.BILLKIT_NESTED_BUILD = '1';
      try {
        await build({
          configFile: false,
          publicDir: false,
          logLevel: 'warn',
          build: {
            outDir: 'dist',
            emptyOutDir: false,
            target: 'es2022',
            minify: true,
            reportCompressedSize: false,
            lib: { entry: { billkit: 'components/index.ts' }, formats: ['es'], fileName: (_f, name) => `${name}.js` },
            rolldownOptions: { output: { minify: true, chunkFileNames: 'chunks/[name]-[hash].js' } },
          },
        });
      } finally {
        delete process.env.BILLKIT_NESTED_BUILD;
      }
      reportSizes();
    },
  };
}

export default defineConfig({
  plugins: [standaloneBundle()],
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: {
        billkit: 'components/index.ts',
        ...Object.fromEntries(elements.map((name) => [`elements/${name}`, `components/${name}/${name}.ts`])),
        // React wrappers (@lit/react bundled, react itself left to the app): `import ... from 'billkit/react'`.
        react: 'components/react/index.ts',
      },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    rolldownOptions: {
      external: ['react'],
      output: {
        minify: true,
        chunkFileNames: 'chunks/[name]-[hash].js',
      },
    },
  },
});
