/** Per-epoch training log as CSV and as an SVG of the curves. */
import { lineChart } from '../plot/svg.js';
import type { EpochRecord } from './loop.js';

export function historyCsv(history: EpochRecord[]): string {
  const mtlNames = [...new Set(history.flatMap((h) => Object.keys(h.mtlWeights ?? {})))];
  const header = ['epoch', 'train_loss', 'selection_loss', 'selection_score', 'lr', 'seconds', ...mtlNames.map((n) => `w_${n}`)];
  const rows = history.map((h) =>
    [h.epoch, h.trainLoss, h.selectionLoss, h.selectionScore, h.lr, h.seconds, ...mtlNames.map((n) => h.mtlWeights?.[n] ?? '')]
      .map((v) => (typeof v === 'number' ? (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : '') : v))
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

export function historySvg(history: EpochRecord[], metric: string, title: string): string {
  const x = history.map((h) => h.epoch);
  const series = [
    { name: 'train loss', x, y: history.map((h) => h.trainLoss) },
    { name: 'selection loss', x, y: history.map((h) => h.selectionLoss), dashed: true },
    { name: `selection ${metric}`, x, y: history.map((h) => h.selectionScore) },
  ];
  const names = [...new Set(history.flatMap((h) => Object.keys(h.mtlWeights ?? {})))];
  for (const n of names) series.push({ name: `w ${n}`, x, y: history.map((h) => h.mtlWeights?.[n] ?? NaN), dashed: true });
  return lineChart(series, { title: `${title}: training curves`, xLabel: 'epoch', yLabel: 'value' });
}
