/** What both benchmark entry points take on the command line. */
export interface BenchCli<O> {
  options: O;
  keep: boolean;
  notes: string[];
  /** Only re-render docs/benchmarks.md from this results file. */
  report?: string;
}

/**
 * `--keep`, `--note=…`, `--report=…` and the numeric flags of a benchmark (`numeric` maps flag -> option).
 * `special` handles flags of its own (returns true when it took the flag). Numbers must be whole and at
 * least 1, and at most `max` when given (the loops they size are bounded).
 */
export function parseBenchArgs<O extends object>(argv: string[], defaults: O, numeric: Record<string, keyof O>,
  settings: { max?: number; special?: (flag: string, value: string, options: O) => boolean } = {}): BenchCli<O> {
  const cli: BenchCli<O> = { options: { ...defaults }, keep: false, notes: [] };
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}"`);
    const flag = m[1]!;
    const value = m[2] ?? '';
    if (flag === 'keep') cli.keep = true;
    else if (flag === 'note') cli.notes.push(value);
    else if (flag === 'report') cli.report = value;
    else if (settings.special?.(flag, value, cli.options)) continue;
    else if (numeric[flag]) {
      const v = Number(value);
      const { max } = settings;
      if (!Number.isInteger(v) || v < 1 || (max !== undefined && v > max)) {
        throw new Error(max === undefined ? `--${flag} needs a positive integer` : `--${flag} needs an integer from 1 to ${max}`);
      }
      (cli.options as Record<keyof O, unknown>)[numeric[flag]] = v;
    } else throw new Error(`unknown flag --${flag}`);
  }
  return cli;
}
