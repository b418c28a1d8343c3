import type { Plan } from '../core/plan';
import type { EntryUsage } from '../core/usage';

/** `airlock plan --usage`: each entry's use, unused ones marked, and the removal proposal to run. */
export function formatUsage(plan: Plan, usage: ReadonlyMap<string, EntryUsage>, days: number, trackingSince: number): string {
	const width = Math.min(48, Math.max(4, ...plan.entries.map((e) => e.host.length)));
	const lines = [`Usage (recorded on this machine since ${new Date(trackingSince).toISOString()}; unused = no use for ${days} days):`, `  ${'HOST'.padEnd(width)}  USES  LAST`];
	for (const e of plan.entries) {
		const u = usage.get(e.host);
		const last = u?.lastUsed !== undefined ? new Date(u.lastUsed).toISOString() : '-';
		lines.push(`  ${e.host.padEnd(width)}  ${String(u?.count ?? 0).padStart(4)}  ${last}${u?.unused ? `  UNUSED (${u.text})` : ''}`);
		if (u && u.names.length > 0) {
			lines.push(`  ${''.padEnd(width)}        names seen: ${u.names.join(', ')}`);
		}
	}
	const unused = plan.entries.filter((e) => usage.get(e.host)?.unused);
	const removable = unused.filter((e) => e.sources.every((s) => s === 'project'));
	if (unused.length === 0) {
		lines.push('', `No entry has gone unused for ${days} days.`);
	} else {
		lines.push('', `${unused.length} entr${unused.length === 1 ? 'y is' : 'ies are'} unused.`);
		if (removable.length > 0) {
			lines.push(`Propose removing ${removable.length === 1 ? 'the one' : `the ${removable.length}`} from .devcontainer/airlock.yaml: \`airlock propose --remove-unused --unused-days ${days}\` (a diff to review; nothing changes until you approve).`);
		}
		const elsewhere = unused.filter((e) => !removable.includes(e));
		if (elsewhere.length > 0) {
			lines.push(`From presets, the baseline or your user file (remove them there): ${elsewhere.map((e) => `${e.host} (${e.sources.join(', ')})`).join(', ')}.`);
		}
	}
	return lines.join('\n');
}
