import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../output/format.js';

/** Adds `-o, --output json|yaml|table` (default table). */
export function withOutput(command: Command): Command {
  return command.addOption(
    new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table' as OutputFormat),
  );
}

/** Adds `--page`, `--per-page` and `--sort` of the API's list endpoints. */
export function withPaging(command: Command): Command {
  return command
    .option('--page <n>', 'page number, from 1', positiveInt('--page'))
    .option('--per-page <n>', 'items per page (at most 500)', positiveInt('--per-page'))
    .option('--sort <fields>', 'comma-separated sort fields, - for descending (e.g. -createdAt)');
}

/** Adds `--no-wait`: return once the API accepted the action. */
export function withWait(command: Command): Command {
  return command.option('--no-wait', 'return once the action is accepted, without watching it');
}

/** The paging query of a list command's options. */
export function pagingQuery(options: { page?: number; perPage?: number; sort?: string }): {
  page?: number;
  perPage?: number;
  sort?: string;
} {
  return {
    ...(options.page !== undefined ? { page: options.page } : {}),
    ...(options.perPage !== undefined ? { perPage: options.perPage } : {}),
    ...(options.sort !== undefined ? { sort: options.sort } : {}),
  };
}

/** A commander argument parser for a positive integer. */
export function positiveInt(name: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return n;
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses repeated `key=value` options into a record. Throws UsageError naming a bad pair. */
export function keyValues(pairs: readonly string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${option} takes key=value, not ${pair}`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** Drops the keys whose value is undefined (the API's strict bodies refuse no key, but read cleaner). */
export function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
