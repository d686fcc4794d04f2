/**
 * custom-elements.json for the Billkit elements (read by IDEs, Storybook and docs tools).
 * Run: npx cem analyze --config custom-elements-manifest.config.mjs
 */
export default {
  globs: ['components/**/*.ts'],
  exclude: ['components/react/**', 'components/**/*.styles.ts', 'components/locales/**'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: true,
  plugins: [
    {
      // `this.dispatchEvent(new BillkitXEvent(...))` shows up as an unnamed event beside the @event tag
      // that names it: keep the named ones only.
      name: 'billkit-drop-unnamed-events',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules ?? []) {
          for (const declaration of mod.declarations ?? []) {
            if (declaration.events) declaration.events = declaration.events.filter((event) => event.name);
          }
        }
      },
    },
  ],
};
