/** The command line's own flag reading: `--name value`, `--name=value`, boolean `--flag`s, positionals. */

/** Flags and positionals of one command, read by `parseFlags`. */
export interface ParsedFlags {
  flags: Map<string, string>;
  positional: string[];
}

/** Reads `args`; throws (the message says which) on an unknown flag or a flag without its value. */
export function parseFlags(args: readonly string[], valued: readonly string[], booleans: readonly string[] = []): ParsedFlags {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (booleans.includes(name)) {
      flags.set(name, 'true');
      continue;
    }
    if (!valued.includes(name)) throw new Error(`Unknown option --${name}`);
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { flags, positional };
}

/** Whether `args` ask for help (`--help` or `-h` anywhere). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
