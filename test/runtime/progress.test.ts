import { describe, expect, it, vi } from 'vitest';
import { formatDuration, ProgressBoard } from '../../runtime/progress.js';

describe('progress lines', () => {
  it('show items done of the total with rate and ETA, tasks, and how many nodes finished', () => {
    vi.useFakeTimers({ now: 0 });
    const board = new ProgressBoard(undefined);
    board.node('enc').total = 10;
    board.node('src').total = 10;
    for (let i = 0; i < 10; i++) {
      board.begin('src');
      board.end('src', 'done');
    }
    vi.setSystemTime(1000);
    for (let i = 0; i < 4; i++) {
      board.begin('enc');
      board.end('enc', 'done');
    }
    board.hit('enc');
    board.begin('enc');
    board.task('train', 'epoch', 2, 8, 'loss 0.5');
    vi.setSystemTime(3000);
    // enc: 4 computed in 2 s = 2/s; 10 − 1 cached − 4 done = 5 left → 2.5 s.
    expect(board.line()).toBe('[3.0s] enc 5/10 (1 cached) [1 running] 2.0/s ETA 2.5s | train 0 · epoch 2/8 1.0/s ETA 6.0s loss 0.5 | 1 node finished');
    board.endTasks('train');
    vi.useRealTimers();
  });

  it('formats durations', () => {
    expect(formatDuration(5.25)).toBe('5.3s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m');
  });
});
