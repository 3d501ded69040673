/**
 * Small dependency-free SVG charts for run outputs: line charts (training curves, predictions over time,
 * with optional shaded spans for labels) and scatter plots (predictions against labels).
 */

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  colour?: string;
  /** Draw as steps (for 0/1 labels). */
  step?: boolean;
  dashed?: boolean;
}

export interface Band {
  /** x ranges to shade, e.g. frames labelled positive. */
  ranges: Array<[number, number]>;
  colour?: string;
  name: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  yMin?: number;
  yMax?: number;
  /** Horizontal reference lines (e.g. a threshold). */
  hLines?: Array<{ y: number; label: string }>;
  bands?: Band[];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

function extent(values: number[], min?: number, max?: number): [number, number] {
  const finite = values.filter(Number.isFinite);
  let lo = min ?? (finite.length ? Math.min(...finite) : 0);
  let hi = max ?? (finite.length ? Math.max(...finite) : 1);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  return [lo, hi];
}

interface Frame {
  width: number;
  height: number;
  left: number;
  top: number;
  plotW: number;
  plotH: number;
  sx: (x: number) => number;
  sy: (y: number) => number;
  parts: string[];
}

function frame(o: ChartOptions, xr: [number, number], yr: [number, number]): Frame {
  const width = o.width ?? 720;
  const height = o.height ?? 360;
  const left = 60;
  const top = 36;
  const plotW = width - left - 200;
  const plotH = height - top - 48;
  const sx = (x: number) => left + ((x - xr[0]) / (xr[1] - xr[0])) * plotW;
  const sy = (y: number) => top + plotH - ((y - yr[0]) / (yr[1] - yr[0])) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left + plotW / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
  ];
  for (const t of ticks(xr[0], xr[1])) {
    parts.push(`<line x1="${sx(t)}" y1="${top}" x2="${sx(t)}" y2="${top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(t)}" y="${top + plotH + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(yr[0], yr[1])) {
    parts.push(`<line x1="${left}" y1="${sy(t)}" x2="${left + plotW}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  return { width, height, left, top, plotW, plotH, sx, sy, parts };
}

function legend(f: Frame, entries: Array<{ name: string; colour: string; kind: 'line' | 'box' | 'dot' }>): void {
  entries.forEach((e, i) => {
    const x = f.left + f.plotW + 12;
    const y = f.top + 10 + i * 16;
    if (e.kind === 'box') f.parts.push(`<rect x="${x}" y="${y - 8}" width="14" height="10" fill="${e.colour}"/>`);
    else if (e.kind === 'dot') f.parts.push(`<circle cx="${x + 7}" cy="${y - 3}" r="3" fill="${e.colour}"/>`);
    else f.parts.push(`<line x1="${x}" y1="${y - 3}" x2="${x + 14}" y2="${y - 3}" stroke="${e.colour}" stroke-width="2"/>`);
    f.parts.push(`<text x="${x + 20}" y="${y}">${esc(e.name)}</text>`);
  });
}

export function lineChart(series: Series[], o: ChartOptions): string {
  const xs = series.flatMap((s) => Array.from(s.x));
  const ys = series.flatMap((s) => Array.from(s.y)).concat((o.hLines ?? []).map((h) => h.y));
  const f = frame(o, extent(xs), extent(ys, o.yMin, o.yMax));
  const entries: Array<{ name: string; colour: string; kind: 'line' | 'box' }> = [];
  for (const band of o.bands ?? []) {
    const colour = band.colour ?? '#f4c7c3';
    for (const [a, b] of band.ranges) {
      f.parts.push(`<rect x="${f.sx(a)}" y="${f.top}" width="${Math.max(1, f.sx(b) - f.sx(a))}" height="${f.plotH}" fill="${colour}" opacity="0.6"/>`);
    }
    entries.push({ name: band.name, colour, kind: 'box' });
  }
  series.forEach((s, i) => {
    const colour = s.colour ?? PALETTE[i % PALETTE.length]!;
    const pts: string[] = [];
    for (let j = 0; j < s.x.length; j++) {
      const y = s.y[j]!;
      if (!Number.isFinite(y)) continue;
      if (s.step && pts.length) pts.push(`${f.sx(s.x[j]!).toFixed(1)},${f.sy(s.y[j - 1] ?? y).toFixed(1)}`);
      pts.push(`${f.sx(s.x[j]!).toFixed(1)},${f.sy(y).toFixed(1)}`);
    }
    f.parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${pts.join(' ')}"/>`,
    );
    if (s.x.length <= 60) {
      for (let j = 0; j < s.x.length; j++) {
        if (Number.isFinite(s.y[j]!)) f.parts.push(`<circle cx="${f.sx(s.x[j]!)}" cy="${f.sy(s.y[j]!)}" r="2.5" fill="${colour}"/>`);
      }
    }
    entries.push({ name: s.name, colour, kind: 'line' });
  });
  for (const h of o.hLines ?? []) {
    f.parts.push(`<line x1="${f.left}" y1="${f.sy(h.y)}" x2="${f.left + f.plotW}" y2="${f.sy(h.y)}" stroke="#555" stroke-dasharray="4 3"/>`);
    f.parts.push(`<text x="${f.left + f.plotW - 4}" y="${f.sy(h.y) - 4}" text-anchor="end" fill="#555">${esc(h.label)}</text>`);
  }
  legend(f, entries);
  return f.parts.join('\n') + '\n</svg>\n';
}

export interface ScatterPanel {
  title: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** A row of scatter panels (e.g. one per emotion: label vs prediction) with the identity line. */
export function scatterPanels(panels: ScatterPanel[], o: { title: string; xLabel: string; yLabel: string; min?: number; max?: number }): string {
  const size = 200;
  const gap = 30;
  const width = panels.length * (size + gap) + 40;
  const height = size + 90;
  const lo = o.min ?? 0;
  const hi = o.max ?? 1;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
  ];
  panels.forEach((p, i) => {
    const x0 = 40 + i * (size + gap);
    const y0 = 40;
    const sx = (v: number) => x0 + ((v - lo) / (hi - lo)) * size;
    const sy = (v: number) => y0 + size - ((v - lo) / (hi - lo)) * size;
    parts.push(`<rect x="${x0}" y="${y0}" width="${size}" height="${size}" fill="none" stroke="#444"/>`);
    parts.push(`<line x1="${sx(lo)}" y1="${sy(lo)}" x2="${sx(hi)}" y2="${sy(hi)}" stroke="#bbb" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x0 + size / 2}" y="${y0 - 6}" text-anchor="middle">${esc(p.title)}</text>`);
    for (let j = 0; j < p.x.length; j++) {
      const x = p.x[j]!;
      const y = p.y[j]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      parts.push(`<circle cx="${sx(Math.min(hi, Math.max(lo, x))).toFixed(1)}" cy="${sy(Math.min(hi, Math.max(lo, y))).toFixed(1)}" r="2.5" fill="${PALETTE[0]}" opacity="0.7"/>`);
    }
    parts.push(`<text x="${x0 + size / 2}" y="${y0 + size + 16}" text-anchor="middle">${esc(o.xLabel)}</text>`);
    if (i === 0) parts.push(`<text transform="translate(${x0 - 24} ${y0 + size / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  });
  return parts.join('\n') + '\n</svg>\n';
}

/** Ranges [start, end) of consecutive positive entries, for shading labels. */
export function positiveRanges(values: ArrayLike<number>, xs?: ArrayLike<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= values.length; i++) {
    const on = i < values.length && values[i]! > 0.5;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      out.push([xs ? xs[start]! : start, xs ? (i < values.length ? xs[i]! : xs[i - 1]! + 1) : i]);
      start = -1;
    }
  }
  return out;
}
