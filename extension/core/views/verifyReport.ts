/**
 * What "Verify Lockdown" found, in words that tell the cases apart: a failed control is not a
 * leak. `airlock-ctl verify --json` (docs/architecture.md §3) gives the probes; this reads them.
 */
export interface VerifyProbe {
	readonly name: string;
	readonly target: string;
	readonly result: 'PASS' | 'FAIL' | 'BLOCKED' | 'LEAK';
	readonly detail: string;
}

export interface VerifyJson {
	readonly ok: boolean;
	readonly controlPassed: boolean;
	readonly leaks: number;
	readonly probes: readonly VerifyProbe[];
}

export type VerifyOutcome = 'locked' | 'leak' | 'control-failed' | 'no-control-host';

export interface VerifyReport {
	readonly outcome: VerifyOutcome;
	readonly severity: 'info' | 'warning' | 'error';
	/** One message for the notification (the container's name is put in by the caller). */
	readonly message: string;
	/** One line per probe, for the log. */
	readonly lines: readonly string[];
}

/** Parses the JSON line `airlock-ctl verify --json` prints (the last JSON object in the output). */
export function parseVerifyJson(stdout: string): VerifyJson | undefined {
	for (const line of stdout.trim().split('\n').reverse()) {
		try {
			const value = JSON.parse(line) as Partial<VerifyJson>;
			if (typeof value === 'object' && value !== null && typeof value.ok === 'boolean' && Array.isArray(value.probes)) {
				return { ok: value.ok, controlPassed: value.controlPassed === true, leaks: Number(value.leaks ?? 0), probes: value.probes };
			}
		} catch {
			// Not the JSON line.
		}
	}
	return undefined;
}

export function verifyReport(json: VerifyJson, container: string): VerifyReport {
	const lines = json.probes.map((p) => `${p.result.padEnd(8)} ${p.name.padEnd(22)} ${p.target} — ${p.detail}`);
	const leaks = json.probes.filter((p) => p.result === 'LEAK');
	const control = json.probes.find((p) => p.name === 'control');
	const blocked = json.probes.filter((p) => p.result === 'BLOCKED').length;
	if (leaks.length > 0) {
		const names = leaks.map((p) => `${p.name} (${p.target}: ${p.detail})`).join(', ');
		return {
			outcome: 'leak',
			severity: 'error',
			message: `${container} LEAKS: ${leaks.length} way${leaks.length === 1 ? '' : 's'} around the proxy got through: ${names}. Stop the agent and rebuild the container; the log lists every probe.`,
			lines,
		};
	}
	if (json.controlPassed) {
		return { outcome: 'locked', severity: 'info', message: `${container} is locked: the allowed path through the proxy works and all ${blocked} ways around it were blocked.`, lines };
	}
	if (!control || control.target === '(none)') {
		return {
			outcome: 'no-control-host',
			severity: 'warning',
			message: `Verify could not test the allowed path: the approved plan has no exact host to try (only wildcards or ports). All ${blocked} ways around the proxy were blocked; nothing leaked. Allow one exact host to complete the check.`,
			lines,
		};
	}
	return {
		outcome: 'control-failed',
		severity: 'warning',
		message: `Verify could not complete, but nothing leaked: all ${blocked} ways around the proxy were blocked. Only the control failed — the allowed request to ${control.target} through the proxy did not get through (${control.detail}). A block proves the lock only when the allowed path works: check that this host is reachable from this machine, then verify again.`,
		lines,
	};
}
