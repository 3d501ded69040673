/** Sub-commands contributed beyond run/validate/viz/nodes (models, sweep), kept out of cli.ts. */
export interface ExtraCommand {
  name: string;
  usage: string;
  summary: string;
  run(args: string[], options: Record<string, unknown>): Promise<number>;
}

export const extraCommands: ExtraCommand[] = [];
