/**
 * One row of a command's options table: the single place an option is declared. Parsing (`args.ts`), `--help`
 * (`help.ts`) and the defaults the commands read all come from it, as tfjs's `flags_webgpu.ts` declares every flag
 * with its doc and default in one file.
 */
export interface OptionSpec {
  readonly type: 'string' | 'number' | 'integer' | 'flag' | 'choice';
  /** `choice` only: the accepted values. */
  readonly choices?: readonly string[];
  /** `choice` only: values that were removed, each with why (refused with that message). */
  readonly removedChoices?: Readonly<Record<string, string>>;
  /** The value when the option is not given (shown by `--help`); a string for a computed default (e.g. `auto`). */
  readonly default?: string | number;
  /** What to write after `--name` in `--help` (e.g. `FILE`, `N`). */
  readonly value?: string;
  readonly required?: boolean;
  /** numbers: the smallest value (exclusive with `positive`) and the largest. */
  readonly min?: number;
  readonly max?: number;
  readonly positive?: boolean;
  /** numbers: `auto` is accepted too (chosen on validation). */
  readonly auto?: boolean;
  /** One line: what it does. */
  readonly doc: string;
  /**
   * Research, not product: kept to reproduce the committed bundles or for experiments, listed apart by `--help` and
   * left out of docs/training.md.
   */
  readonly experimental?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for `edgereco --help`. */
  readonly summary: string;
  /** The usage line after `edgereco NAME`. */
  readonly usage: string;
  /** A research command (listed apart by `edgereco --help`). */
  readonly experimental?: boolean;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Options that were removed, each with why: refused with that message instead of "unknown option". */
  readonly removed?: Readonly<Record<string, string>>;
}
