import { EdgeRecoError, ERROR_CODES } from '../../src/core/errors.js';

/** Parsed `--name value` / `--flag` arguments. */
export type Args = Map<string, string | true>;

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) args.set(name, inline);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) args.set(name, argv[++i]!);
    else args.set(name, true);
  }
  return args;
}

/** The arguments as a command line again (`--name value` / `--flag`), for a bundle's record of how it was made. */
export function argsLine(args: Args): string {
  return [...args].map(([name, value]) => (value === true ? `--${name}` : `--${name} ${value}`)).join(' ');
}

/** A typed INVALID_OPTION error (`edgereco: MESSAGE`) for an option a command cannot use. */
export function invalidOption(message: string): EdgeRecoError {
  return new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: ${message}`);
}

/** A whole-number option from `min` (to `max`, if given), else INVALID_OPTION naming it. */
export function int(args: Args, name: string, fallback: number, min: number, max = Infinity): number {
  const n = num(args, name, fallback);
  if (!(Number.isInteger(n) && n >= min && n <= max)) {
    throw invalidOption(`--${name} must be a whole number ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`} (got ${String(args.get(name))})`);
  }
  return n;
}

export function str(args: Args, name: string, fallback?: string): string {
  const v = args.get(name);
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: --${name} is required`);
}

export function num(args: Args, name: string, fallback: number): number {
  const v = args.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: --${name} must be a number (got ${String(v)})`);
  }
  return n;
}

export function oneOf<T extends string>(args: Args, name: string, allowed: readonly T[], fallback: T): T {
  const v = args.get(name) ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: --${name} must be one of ${allowed.join('|')} (got ${String(v)})`);
  }
  return v as T;
}
