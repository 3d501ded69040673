/** Console + file logger for runs. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../runtime/contract.js';

export interface RunLogger extends Logger {
  /** Attach a log file; earlier lines are written to it too. */
  toFile(file: string): void;
}

export function createLogger(options: { quiet?: boolean; verbose?: boolean; write?: (line: string) => void } = {}): RunLogger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const buffered: string[] = [];
  let file: string | undefined;
  const record = (level: string, message: string): void => {
    const line = `${new Date().toISOString()} ${level} ${message}`;
    if (file) appendFileSync(file, line + '\n');
    else buffered.push(line);
  };
  return {
    info(m) {
      record('INFO', m);
      if (!options.quiet) write(m);
    },
    warn(m) {
      record('WARN', m);
      write(`warning: ${m}`);
    },
    debug(m) {
      record('DEBUG', m);
      if (options.verbose) write(m);
    },
    toFile(f) {
      mkdirSync(path.dirname(f), { recursive: true });
      file = f;
      if (buffered.length) appendFileSync(f, buffered.splice(0).join('\n') + '\n');
    },
  };
}
