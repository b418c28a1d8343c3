import { describeSignal } from '../exfil/score';
import type { ProxyLogEntry } from '../proxyLog';

/**
 * Requests the exfiltration scorer flagged, apart from routine blocks: these are the ones a
 * person must see. Per host: how often, when last, which signals, and whether they were refused
 * (`exfil-suspect`) or let through under an `exfil: warn` wildcard.
 */
export interface SuspectSummary {
	readonly host: string;
	readonly count: number;
	/** Milliseconds since the epoch. */
	readonly lastSeen: number;
	readonly signals: readonly string[];
	/** Every request was refused (false: at least one went through under `exfil: warn`, or audit mode). */
	readonly refused: boolean;
	readonly ports: readonly number[];
}

interface Tally {
	count: number;
	lastSeen: number;
	signals: Set<string>;
	refused: boolean;
	ports: Set<number>;
}

/** Hosts kept; beyond this the least recent one is forgotten (a flood must not grow the editor's memory). */
const MAX_HOSTS = 500;

export class SuspectTally {
	private readonly byHost = new Map<string, Tally>();

	/** Counts an entry the scorer flagged; returns whether the host is new. Other entries are ignored. */
	record(entry: ProxyLogEntry): { counted: boolean; newHost: boolean } {
		if (entry.rule !== 'exfil-suspect' && !(entry.exfil && entry.exfil.length > 0)) {
			return { counted: false, newHost: false };
		}
		const host = entry.host.toLowerCase();
		let tally = this.byHost.get(host);
		const newHost = !tally;
		if (!tally) {
			tally = { count: 0, lastSeen: 0, signals: new Set(), refused: true, ports: new Set() };
			this.byHost.set(host, tally);
			this.evict();
		}
		tally.count++;
		tally.lastSeen = Math.max(tally.lastSeen, Math.round(entry.time * 1000));
		(entry.exfil ?? []).forEach((s) => tally.signals.add(s));
		tally.refused &&= entry.verdict === 'deny' && entry.enforced;
		tally.ports.add(entry.port);
		return { counted: true, newHost };
	}

	get hostCount(): number {
		return this.byHost.size;
	}

	list(): SuspectSummary[] {
		return [...this.byHost.entries()]
			.map(([host, t]) => ({ host, count: t.count, lastSeen: t.lastSeen, signals: [...t.signals].sort(), refused: t.refused, ports: [...t.ports].sort((a, b) => a - b) }))
			.sort((a, b) => b.lastSeen - a.lastSeen || (a.host < b.host ? -1 : 1));
	}

	private evict(): void {
		if (this.byHost.size <= MAX_HOSTS) {
			return;
		}
		let oldest: string | undefined;
		let oldestTime = Infinity;
		for (const [host, t] of this.byHost) {
			if (t.lastSeen < oldestTime) {
				oldest = host;
				oldestTime = t.lastSeen;
			}
		}
		if (oldest !== undefined) {
			this.byHost.delete(oldest);
		}
	}
}

/** "refused 3× · hex-label, entropy" for the tree; the signals in words for the tooltip. */
export function suspectDescription(s: SuspectSummary): string {
	return `${s.refused ? 'refused' : 'let through (exfil: warn)'} ${s.count}× · ${s.signals.join(', ') || 'scored suspect'}`;
}

export function suspectExplanation(s: SuspectSummary): string {
	return s.signals.length > 0 ? s.signals.map(describeSignal).join('; ') : 'the scorer marked it suspect';
}
