import type { Readable, Writable } from 'node:stream';

/** What every CLI command gets. Streams are injected so tests can drive commands in-process. */
export interface CliContext {
	/** The workspace folder (from `--workspace`, default the current directory), absolute. */
	readonly workspace: string;
	/** Options and positionals after the command name, parsed per the command's `options`. */
	readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
	readonly positionals: readonly string[];
	readonly stdin: Readable;
	readonly stdout: Writable;
	readonly stderr: Writable;
	readonly env: NodeJS.ProcessEnv;
	/** True when stdin is a terminal (prompts allowed). */
	readonly interactive: boolean;
}

export interface OptionSpec {
	readonly type: 'string' | 'boolean';
	readonly short?: string;
	readonly multiple?: boolean;
	readonly description: string;
}

export interface Command {
	readonly name: string;
	readonly summary: string;
	/** Extra usage text after `airlock NAME [--workspace DIR]`. */
	readonly usage?: string;
	readonly options?: Readonly<Record<string, OptionSpec>>;
	/** Resolves to the process exit code: 0 ok, 1 check failed, 2 invalid input. */
	run(ctx: CliContext): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_INVALID = 2;

/** A user-facing failure: printed as `airlock: <message>` plus an optional next step. */
export class CliError extends Error {
	constructor(message: string, readonly exitCode: number = EXIT_INVALID, readonly nextStep?: string) {
		super(message);
	}
}
