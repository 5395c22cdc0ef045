/** `--name N` on the command line: a positive number (a whole one when `whole`), or the fallback when absent. */
export function numberFlag(name: string, fallback: number, options: { whole?: boolean } = {}): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  const valid = options.whole ? Number.isInteger(value) && value > 0 : Number.isFinite(value) && value > 0;
  if (!valid) throw new Error(`--${name} must be a positive ${options.whole ? "whole number" : "number"}`);
  return value;
}
