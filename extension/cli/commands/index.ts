import type { Command } from '../command';
import { initCommand } from './init';
import { planCommand } from './plan';
import { approveCommand } from './approve';
import { generateCommand } from './generate';
import { checkCommand } from './check';

/** Every CLI command, in the order `airlock --help` lists them. One file per command. */
export const commands: readonly Command[] = [
	initCommand,
	planCommand,
	approveCommand,
	generateCommand,
	checkCommand,
];
