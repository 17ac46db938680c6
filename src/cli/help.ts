/**
 * Help texts: the overview and each command's usage.
 * @module
 */

import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from "./command.ts";
import { COMMANDS } from "./commands.ts";

/** The version printed by `--version`. */
export const VERSION = "0.1.0";

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : "    "}--${name}${
      option.value ? ` ${option.value}` : ""
    }`;
    return `  ${flag.padEnd(24)}${option.help}`;
  });
}

/**
 * The overview printed by `queuectl --help`.
 * @returns The text.
 */
export function overviewHelp(): string {
  const rows: [string, string][] = [];
  for (const c of COMMANDS.filter((c) => !c.hidden)) {
    rows.push([`${c.name.join(" ")}${c.args ? ` ${c.args}` : ""}`, c.summary]);
    if (c.rest) rows.push([`${c.name.join(" ")} -- ${c.rest.name}`, c.rest.summary]);
  }
  const width = Math.max(...rows.map(([usage]) => usage.length)) + 2;
  return [
    `queuectl ${VERSION}: a background job queue for shell commands`,
    "",
    "Usage: queuectl <command> [options]",
    "",
    "Commands:",
    ...rows.map(([usage, summary]) => `  ${usage.padEnd(width)}${summary}`),
    "",
    "Options for every command:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    'Run "queuectl <command> --help" for a command\'s options and examples.',
    "Exit status: 0 ok, 1 failure, 2 bad usage or input, 3 unknown job id, 124 wait timed out.",
  ].join("\n");
}

/**
 * A command's own help.
 * @param spec The command.
 * @returns The text.
 */
export function commandHelp(spec: CommandSpec): string {
  const name = spec.name.join(" ");
  const lines = [`Usage: queuectl ${name}${spec.args ? ` ${spec.args}` : ""} [options]`];
  if (spec.rest) lines.push(`       queuectl ${name} [options] -- ${spec.rest.name}`);
  lines.push(
    "",
    spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1) + ".",
  );
  if (spec.details) lines.push("", spec.details);
  const own = optionLines(spec.options);
  if (own.length > 0) lines.push("", "Options:", ...own);
  lines.push("", "Options for every command:", ...optionLines(GLOBAL_OPTIONS));
  return lines.join("\n");
}
