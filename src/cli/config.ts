/**
 * `queuectl config get [key]` and `queuectl config set <key> <value>`.
 * @module
 */

import {
  type Config,
  CONFIG_HELP,
  CONFIG_KEYS,
  parseConfigKey,
  parseConfigValue,
} from "../queue/mod.ts";
import type { CommandContext, CommandSpec } from "./command.ts";

const KEYS_HELP = CONFIG_KEYS.map((key) => `  ${key.padEnd(18)}${CONFIG_HELP[key]}`).join("\n");

function printConfig(context: CommandContext, config: Config, keys: (keyof Config)[]): void {
  if (context.json) {
    context.out.json(keys.length === 1 ? config[keys[0]!] : config);
    return;
  }
  if (keys.length === 1) return context.out.line(String(config[keys[0]!]));
  for (const key of keys) context.out.line(`${key} = ${config[key]}`);
}

export const configGetCommand: CommandSpec = {
  name: ["config", "get"],
  args: "[key]",
  summary: "show settings (all, or one)",
  details:
    `Keys (_ or - both work):\n${KEYS_HELP}\nExamples:\n  queuectl config get\n  queuectl config get max-retries`,
  options: {},
  positionals: [0, 1],
  async run(context, args) {
    const key = args[0] === undefined ? undefined : parseConfigKey(args[0]);
    const config = await context.withStore((store) => store.getConfig());
    printConfig(context, config, key ? [key] : CONFIG_KEYS);
    return 0;
  },
};

export const configSetCommand: CommandSpec = {
  name: ["config", "set"],
  args: "<key> <value>",
  summary: "change a setting",
  details:
    `Keys (_ or - both work):\n${KEYS_HELP}\nExamples:\n  queuectl config set max-retries 5\n  queuectl config set retention 3d`,
  options: {},
  positionals: [2, 2],
  async run(context, args) {
    const key = parseConfigKey(args[0]!);
    const value = parseConfigValue(key, args[1]!);
    const config = await context.withStore((store) => store.setConfig(key, value));
    if (context.json) context.out.json({ [key]: config[key] });
    else context.out.line(`${key} = ${config[key]}`);
    return 0;
  },
};
