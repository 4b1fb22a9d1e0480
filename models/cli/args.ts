import { createError, EdgeRecoError, ERROR_CODES } from '../../src/core/errors.js';
import type { CommandSpec, OptionSpec } from './option-spec.js';

/** A typed INVALID_OPTION error (`edgereco: MESSAGE`) for an option a command cannot use. */
export function invalidOption(message: string): EdgeRecoError {
  return new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: ${message}`);
}

/**
 * A command's arguments, checked against its options table ({@link parseArgs}): what was given, and each option's
 * value with the table's default when it was not.
 */
export class Args {
  constructor(
    readonly command: CommandSpec,
    /** The options given on the command line, in order (`true` for a flag). */
    readonly given: ReadonlyMap<string, string | true>,
  ) {}

  has(name: string): boolean {
    this.spec(name);
    return this.given.has(name);
  }

  /** The value given, or undefined (no default applied). */
  get(name: string): string | true | undefined {
    this.spec(name);
    return this.given.get(name);
  }

  /** A string option: the value given, else the table's default; INVALID_OPTION when neither (a required option). */
  str(name: string): string {
    const v = this.given.get(name) ?? this.spec(name).default;
    if (typeof v === 'string') return v;
    if (v === undefined) throw invalidOption(`${this.command.name} needs --${name} (${this.spec(name).doc}); \`edgereco ${this.command.name} --help\` lists every option`);
    return String(v);
  }

  /** A number option (checked when parsed): the value given, else the table's default. */
  num(name: string): number {
    const v = this.given.get(name) ?? this.spec(name).default;
    const n = Number(v);
    if (typeof v === 'boolean' || !Number.isFinite(n)) throw invalidOption(`--${name} needs a number (got ${String(v)})`);
    return n;
  }

  /** A choice option: the value given, else the table's default. */
  choice<T extends string>(name: string): T {
    return this.str(name) as T;
  }

  flag(name: string): boolean {
    return this.has(name);
  }

  /** The arguments as a command line again (`--name value` / `--flag`), for a bundle's record of how it was made. */
  line(): string {
    return [...this.given].map(([name, value]) => (value === true ? `--${name}` : `--${name} ${value}`)).join(' ');
  }

  private spec(name: string): OptionSpec {
    const spec = this.command.options[name];
    if (!spec) throw createError(ERROR_CODES.INTERNAL, { problem: `${this.command.name} reads --${name}, which its options table lacks` });
    return spec;
  }
}

/** Levenshtein distance (for "did you mean"). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known option closest to `name` (by edit distance, a prefix counting as close). */
export function closestOption(command: CommandSpec, name: string): string {
  let best = '';
  let bestDistance = Infinity;
  for (const known of Object.keys(command.options)) {
    const d = known.startsWith(name) || name.startsWith(known) ? Math.min(1, distance(name, known)) : distance(name, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

function checkValue(command: CommandSpec, name: string, spec: OptionSpec, value: string | true): void {
  const label = `--${name}`;
  if (spec.type === 'flag') return;
  if (value === true) throw invalidOption(`${label} needs a value (${spec.doc})`);
  if (spec.type === 'choice') {
    const removed = spec.removedChoices?.[value];
    if (removed) throw invalidOption(`${label} ${value} was removed: ${removed}`);
    if (!spec.choices!.includes(value)) throw invalidOption(`${label} must be one of ${spec.choices!.join('|')} (got ${value})`);
    return;
  }
  if (spec.type === 'string') return;
  if (spec.auto && value === 'auto') return;
  const n = Number(value);
  const whole = spec.type === 'integer';
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  const ok = value.trim() !== '' && Number.isFinite(n) && (!whole || Number.isInteger(n)) && (spec.positive ? n > min : n >= min) && n <= max;
  if (!ok) {
    const kind = whole ? 'a whole number' : 'a number';
    const range = max === Infinity ? `${spec.positive ? '>' : '≥'} ${min}` : `from ${min} to ${max}`;
    throw invalidOption(`${label} must be ${spec.auto ? 'auto or ' : ''}${kind}${min === -Infinity ? '' : ` ${range}`} (got ${value}); see \`edgereco ${command.name} --help\``);
  }
}

/**
 * Parses `--name value`, `--name=value` and `--flag` against a command's options table: an option the table does not
 * know is refused with INVALID_OPTION naming the closest known one; an option that was removed says why; each value is
 * checked against its type, choices and range.
 */
export function parseArgs(command: CommandSpec, argv: readonly string[]): Args {
  const given = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw invalidOption(`unexpected argument ${a} (options start with --; \`edgereco ${command.name} --help\` lists them)`);
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const removed = command.removed?.[name];
    if (removed) throw invalidOption(`--${name} was removed from edgereco ${command.name}: ${removed}`);
    const spec = command.options[name];
    if (!spec) throw invalidOption(`${command.name} has no option --${name}; did you mean --${closestOption(command, name)}? (\`edgereco ${command.name} --help\` lists every option)`);
    let value: string | true = true;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (spec.type !== 'flag' && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i]!;
    if (spec.type === 'flag' && value !== true) throw invalidOption(`--${name} is a flag and takes no value (got ${value})`);
    checkValue(command, name, spec, value);
    given.set(name, value);
  }
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required && !given.has(name)) throw invalidOption(`${command.name} needs --${name} (${spec.doc}); \`edgereco ${command.name} --help\` lists every option`);
  }
  return new Args(command, given);
}
