/** Runs every benchmark in turn (each writes its JSON to bench/results/). `npm run bench`. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = ['runtime.ts', 'encoders.ts', 'perception-media.ts', 'perception.ts', 'train-step.ts'];
let failed = 0;
for (const b of benches) {
  process.stderr.write(`\n== ${b}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.stderr.write('\nPyTorch reference: /usr/bin/python3 bench/train_step_torch.py (see docs/benchmarks.md)\n');
process.exit(failed ? 1 : 0);
