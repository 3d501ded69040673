/**
 * Progress of a run: per node, items done / cached / skipped, rate and ETA, plus named tasks a node
 * reports itself (e.g. training epochs). Printed as periodic lines, and as a summary at the end.
 */

export interface TaskState {
  done: number;
  total?: number;
  detail?: string;
  startedAt: number;
}

export interface NodeProgress {
  id: string;
  done: number;
  cached: number;
  skipped: number;
  running: number;
  total?: number;
  firstAt?: number;
  lastAt?: number;
  tasks: Map<string, TaskState>;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function rateAndEta(done: number, total: number | undefined, since: number, now: number): string {
  const elapsed = (now - since) / 1000;
  if (done === 0 || elapsed <= 0) return '';
  const rate = done / elapsed;
  const rateText = rate >= 1 ? `${rate.toFixed(1)}/s` : `${(1 / rate).toFixed(1)}s/it`;
  if (total === undefined || total <= done) return rateText;
  return `${rateText} ETA ${formatDuration((total - done) / rate)}`;
}

export class ProgressBoard {
  private readonly nodes = new Map<string, NodeProgress>();
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly write: ((line: string) => void) | undefined,
    private readonly intervalMs = 2000,
  ) {}

  node(id: string): NodeProgress {
    let p = this.nodes.get(id);
    if (!p) {
      p = { id, done: 0, cached: 0, skipped: 0, running: 0, tasks: new Map() };
      this.nodes.set(id, p);
    }
    return p;
  }

  begin(id: string): void {
    const p = this.node(id);
    p.running++;
    p.firstAt ??= Date.now();
  }

  end(id: string, outcome: 'done' | 'cached' | 'skipped' | 'failed'): void {
    const p = this.node(id);
    p.running = Math.max(0, p.running - 1);
    if (outcome !== 'failed') p[outcome]++;
    p.lastAt = Date.now();
  }

  /** Count an item that was served from the cache without running. */
  hit(id: string): void {
    const p = this.node(id);
    p.firstAt ??= Date.now();
    p.cached++;
    p.lastAt = Date.now();
  }

  task(id: string, name: string, done: number, total?: number, detail?: string): void {
    const p = this.node(id);
    const t = p.tasks.get(name);
    const next: TaskState = { done, startedAt: t?.startedAt ?? Date.now() };
    if (total !== undefined) next.total = total;
    if (detail !== undefined) next.detail = detail;
    p.tasks.set(name, next);
    p.firstAt ??= Date.now();
    p.lastAt = Date.now();
  }

  /** Forget every task of a node (it has finished). */
  endTasks(id: string): void {
    this.nodes.get(id)?.tasks.clear();
  }

  /** Forget a task (e.g. one that belonged to an item that has finished). */
  endTask(id: string, name: string): void {
    this.nodes.get(id)?.tasks.delete(name);
  }

  start(): void {
    if (!this.write || this.timer) return;
    this.timer = setInterval(() => this.write?.(this.line()), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One line: the nodes at work (items done of the total, cached and skipped counts, rate and ETA, and the
   * tasks they report, e.g. training epochs), then how many nodes have finished.
   */
  line(now = Date.now()): string {
    const parts: string[] = [];
    let finished = 0;
    for (const p of this.nodes.values()) {
      const processed = p.done + p.cached + p.skipped;
      if (processed === 0 && p.running === 0 && p.tasks.size === 0) continue;
      const complete = p.running === 0 && p.tasks.size === 0 && (p.total === undefined || processed >= p.total);
      if (complete) {
        finished++;
        continue;
      }
      let s = `${p.id} ${processed}${p.total !== undefined ? '/' + p.total : ''}`;
      const extra: string[] = [];
      if (p.cached) extra.push(`${p.cached} cached`);
      if (p.skipped) extra.push(`${p.skipped} skipped`);
      if (extra.length) s += ` (${extra.join(', ')})`;
      if (p.running) s += ` [${p.running} running]`;
      const r = p.firstAt !== undefined ? rateAndEta(p.done, p.total === undefined ? undefined : p.total - p.cached - p.skipped, p.firstAt, now) : '';
      if (r && p.done > 0) s += ` ${r}`;
      for (const [name, t] of p.tasks) {
        s += ` · ${name} ${Number.isInteger(t.done) ? t.done : t.done.toFixed(1)}${t.total !== undefined ? '/' + t.total : ''}`;
        const tr = rateAndEta(t.done, t.total, t.startedAt, now);
        if (tr) s += ` ${tr}`;
        if (t.detail) s += ` ${t.detail}`;
      }
      parts.push(s);
    }
    if (finished) parts.push(`${finished} node${finished === 1 ? '' : 's'} finished`);
    return `[${formatDuration((now - this.startedAt) / 1000)}] ${parts.join(' | ') || 'starting'}`;
  }

  summary(): Array<{ node: string; done: number; cached: number; skipped: number; seconds: number }> {
    return [...this.nodes.values()].map((p) => ({
      node: p.id,
      done: p.done,
      cached: p.cached,
      skipped: p.skipped,
      seconds: p.firstAt !== undefined && p.lastAt !== undefined ? (p.lastAt - p.firstAt) / 1000 : 0,
    }));
  }
}
