import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as path from 'node:path';
import { commands } from './commands';
import { CliError, EXIT_INVALID, type CliContext, type Command } from './command';
import { InvalidInputError, formatProblem } from '../core/errors';

function usage(): string {
	const width = Math.max(...commands.map((c) => c.name.length));
	return [
		'usage: airlock <command> [--workspace DIR] [options]',
		'',
		...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
		'',
		'Run `airlock <command> --help` for a command\'s options.',
		'Exit codes: 0 ok, 1 check failed, 2 invalid input.',
	].join('\n');
}

function commandHelp(cmd: Command): string {
	const lines = [`usage: airlock ${cmd.name} [--workspace DIR]${cmd.usage ? ' ' + cmd.usage : ''}`, '', cmd.summary, '', 'options:'];
	lines.push('  --workspace DIR  the workspace folder (default: the current directory)');
	for (const [name, spec] of Object.entries(cmd.options ?? {})) {
		const flag = `--${name}${spec.type === 'string' ? ' VALUE' : ''}${spec.short ? `, -${spec.short}` : ''}`;
		lines.push(`  ${flag.padEnd(15)}  ${spec.description}`);
	}
	return lines.join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: Pick<CliContext, 'stdin' | 'stdout' | 'stderr' | 'env'> & { cwd: string; interactive: boolean }): Promise<number> {
	const [name, ...rest] = argv;
	if (!name || name === '--help' || name === '-h' || name === 'help') {
		io.stdout.write(usage() + '\n');
		return name ? 0 : EXIT_INVALID;
	}
	const cmd = commands.find((c) => c.name === name);
	if (!cmd) {
		io.stderr.write(`airlock: unknown command "${name}"\n\n${usage()}\n`);
		return EXIT_INVALID;
	}
	const options: NonNullable<ParseArgsConfig['options']> = {
		workspace: { type: 'string' },
		help: { type: 'boolean', short: 'h' },
	};
	for (const [key, spec] of Object.entries(cmd.options ?? {})) {
		options[key] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
	}
	let parsed;
	try {
		parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
	} catch (err) {
		io.stderr.write(`airlock ${name}: ${(err as Error).message}\n\n${commandHelp(cmd)}\n`);
		return EXIT_INVALID;
	}
	if (parsed.values.help) {
		io.stdout.write(commandHelp(cmd) + '\n');
		return 0;
	}
	const workspace = path.resolve(io.cwd, (parsed.values.workspace as string | undefined) ?? '.');
	const ctx: CliContext = { ...io, workspace, values: parsed.values, positionals: parsed.positionals };
	try {
		return await cmd.run(ctx);
	} catch (err) {
		if (err instanceof InvalidInputError) {
			io.stderr.write(err.problems.map(formatProblem).join('\n') + '\n');
			return EXIT_INVALID;
		}
		if (err instanceof CliError) {
			io.stderr.write(`airlock ${name}: ${err.message}\n${err.nextStep ? `  next: ${err.nextStep}\n` : ''}`);
			return err.exitCode;
		}
		io.stderr.write(`airlock ${name}: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
		return EXIT_INVALID;
	}
}

if (require.main === module) {
	runCli(process.argv.slice(2), {
		stdin: process.stdin,
		stdout: process.stdout,
		stderr: process.stderr,
		env: process.env,
		cwd: process.cwd(),
		interactive: Boolean(process.stdin.isTTY),
	}).then((code) => {
		process.exitCode = code;
	});
}
