import type { Command } from '../command';
import { initCommand } from './init';
import { planCommand } from './plan';
import { approveCommand } from './approve';
import { generateCommand } from './generate';
import { checkCommand } from './check';
import { upCommand } from './up';
import { applyCommand } from './apply';
import { statusCommand } from './status';
import { verifyCommand } from './verify';
import { logsCommand } from './logs';
import { downCommand } from './down';
import { requestsCommand } from './requests';
import { proposeCommand } from './propose';

/** Every CLI command, in the order `airlock --help` lists them. One file per command. */
export const commands: readonly Command[] = [
	initCommand,
	planCommand,
	approveCommand,
	generateCommand,
	checkCommand,
	upCommand,
	applyCommand,
	statusCommand,
	verifyCommand,
	logsCommand,
	downCommand,
	requestsCommand,
	proposeCommand,
];
