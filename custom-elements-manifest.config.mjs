/**
 * The custom-elements manifest (`dist/custom-elements.json`) describes the published package:
 * module paths point at `dist/lib/**.js` (what a shop installs, not `src/`), and a module lists
 * only what it exports (no specs, no module-private helpers).
 */
export default {
  globs: ['src/components/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/**/*.spec.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [
    {
      name: 'checkout-widget:package-paths',
      packageLinkPhase({ customElementsManifest }) {
        const toPackagePath = (path) => path.replace(/^src\//, 'dist/lib/').replace(/\.ts$/, '.js');
        for (const module of customElementsManifest.modules) {
          const exported = new Set((module.exports ?? []).map((entry) => entry.declaration?.name));
          module.declarations = (module.declarations ?? []).filter((declaration) => exported.has(declaration.name));
          module.path = toPackagePath(module.path);
          for (const entry of module.exports ?? []) {
            if (entry.declaration?.module) entry.declaration.module = toPackagePath(entry.declaration.module);
          }
          for (const declaration of module.declarations) {
            if (declaration.superclass?.module) declaration.superclass.module = toPackagePath(declaration.superclass.module);
          }
        }
      },
    },
  ],
};
