import type { CommandSpec, OptionSpec } from './option-spec.js';

function optionLine(name: string, spec: OptionSpec): string {
  const value = spec.type === 'flag' ? '' : ` ${spec.type === 'choice' ? spec.choices!.join('|') : (spec.value ?? (spec.type === 'string' ? 'TEXT' : 'N'))}`;
  const head = `  --${name}${value}`;
  const tail = spec.required ? ' (required)' : spec.default !== undefined ? ` (default: ${spec.default})` : '';
  return `${head.padEnd(34)} ${spec.doc}${tail}`;
}

/** `edgereco COMMAND --help`: the usage line and every option from the command's table, experimental ones apart. */
export function commandHelp(command: CommandSpec): string {
  const entries = Object.entries(command.options);
  const product = entries.filter(([, s]) => !s.experimental);
  const experimental = entries.filter(([, s]) => s.experimental);
  const lines = [`edgereco ${command.name}: ${command.summary}${command.experimental ? ' (experimental)' : ''}`, '', `usage: edgereco ${command.usage}`, '', 'options:'];
  lines.push(...product.map(([n, s]) => optionLine(n, s)));
  if (experimental.length > 0) {
    lines.push('', 'experimental (research; kept to reproduce the committed bundles, not in docs/training.md):');
    lines.push(...experimental.map(([n, s]) => optionLine(n, s)));
  }
  lines.push('', `${'  --help'.padEnd(34)} this text`);
  return lines.join('\n');
}

/** `edgereco --help`: every command with its summary and its options. */
export function mainHelp(commands: readonly CommandSpec[]): string {
  const list = (cs: readonly CommandSpec[]) => cs.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`);
  const lines = ['usage: edgereco <command> [options]   (edgereco <command> --help: that command alone)', '', 'commands:', ...list(commands.filter((c) => !c.experimental))];
  const research = commands.filter((c) => c.experimental);
  if (research.length > 0) lines.push('', 'experimental commands:', ...list(research));
  for (const c of commands) lines.push('', '', commandHelp(c));
  return lines.join('\n');
}
