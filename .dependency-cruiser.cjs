/**
 * The layers of src/ and the rule that nothing imports in a circle (`npm run lint:deps`, run by CI).
 * core is the contract both sides import; resources (the kinds) and engine never import each other; the
 * sandbox is AWS's side of the wire and imports nothing of lz's.
 */
const layer = (name, from, notTo, comment) => ({ name, severity: 'error', comment, from: { path: from }, to: { path: notTo } });

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import cycle ties modules that should be separable.', from: {}, to: { circular: true } },
    layer('resources-not-engine', '^src/resources/', '^src/(engine|cli)/', 'A kind knows the contract (src/core), never the engine that runs it.'),
    layer('engine-not-resources', '^src/engine/', '^src/(resources|cli)/', 'The engine iterates over the registry it is handed and names no kind.'),
    layer('core-below-engine-and-kinds', '^src/core/', '^src/(engine|resources|cli)/', 'The contract is what both sides import; it imports neither.'),
    layer('manifest-below-core', '^src/manifest/', '^src/(core|engine|resources|cli)/', 'The loader is handed its sections; it knows no kind.'),
    layer('aws-at-the-bottom', '^src/aws/', '^src/(core|engine|resources|cli|manifest)/', 'AWS access knows nothing of what lz manages.'),
    layer('sandbox-stands-alone', '^src/sandbox/', '^src/(?!sandbox/)', "The sandbox is AWS's side of the wire: it must not share lz's code, or its mistakes."),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
