// The architecture, as `npm test` enforces it (npm run check:deps). A layer imports only
// layers below it; layers on one line are peers and import neither each other nor anything
// above. Keep this list in step with README "Architecture" and DESIGN.md §4.
const LAYERS = [
  ['errors'],
  ['core'],
  ['state'],
  ['model'],
  ['runtime', 'serialization'],
  ['flow'],
  ['rx', 'persistence', 'inspect'],
  ['builtins', 'testing', 'node', 'otel', 'inspector', 'bullmq'],
  ['cli'],
];
// The one sanctioned upward reference: ExecutionContext.flow is typed as the Flow façade.
const BACK_REFERENCE = '^lib/model/execution-context\\.ts$';

const layerRules = LAYERS.flatMap((peers, rank) => {
  const notBelow = LAYERS.slice(rank).flat();
  return peers.map((layer) => ({
    name: `layer-${layer}`,
    comment: `lib/${layer}/ may import only ${LAYERS.slice(0, rank).flat().join(', ') || 'nothing of the library'} (and itself)`,
    severity: 'error',
    from: { path: `^lib/${layer}/`, pathNot: BACK_REFERENCE },
    // (the top layer has no peers or layers above it: only the entry files are off limits)
    to: { path: `^lib/(${[...notBelow.filter((l) => l !== layer), 'index\.ts', 'portable\.ts'].join('|')})` },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'back-reference-is-type-only',
      comment: 'ExecutionContext may name the Flow type, nothing else above the model, and never at run time',
      severity: 'error',
      from: { path: BACK_REFERENCE },
      to: { path: '^lib/(runtime|serialization|flow|rx|persistence|builtins|testing)/', pathNot: '^lib/flow/flow\\.ts$' },
    },
    {
      name: 'back-reference-not-at-run-time',
      severity: 'error',
      from: { path: BACK_REFERENCE },
      to: { path: '^lib/flow/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-run-time-cycle',
      comment: 'A cycle of value imports makes load order matter; type-only imports are erased and do not count',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-cycle-across-folders',
      comment: 'Even type-only, a cycle that leaves its folder means two layers know each other (the sanctioned back-reference excepted)',
      severity: 'error',
      from: { path: '^lib/([^/]+)/' },
      to: { circular: true, via: { pathNot: '^lib/$1/' }, viaOnly: { pathNot: BACK_REFERENCE } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
