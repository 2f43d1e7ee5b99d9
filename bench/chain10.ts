/**
 * chain10 on its own (`npx tsx bench/chain10.ts --n 100000`): prints one JSON line with
 * activations per second for the ten-routine chain. `npm run bench` runs the same workload
 * (bench/workloads/chain10.ts) at two sizes, next to every other workload.
 */
import './workloads/chain10.js';
