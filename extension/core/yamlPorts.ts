import { isScalar, isSeq, type Node } from 'yaml';
import { checkPort } from './hostname';

/** Reports a problem at a source offset (policy files and preset files both use this shape). */
export type ReportAt = (offset: number, message: string, hint?: string, entry?: string) => void;

/**
 * Reads an entry's `ports:` list (policy files and presets share the rule): a non-empty list of
 * integers 1–65535. Reports every bad item and returns undefined when any is wrong.
 */
export function readPortsNode(value: Node | null, fallbackOffset: number, report: ReportAt): number[] | undefined {
	if (!isSeq(value) || value.items.length === 0) {
		report(value?.range?.[0] ?? fallbackOffset, 'ports must be a non-empty list of port numbers', 'e.g. `ports: [22]`; leave ports out for the web ports (80/443)');
		return undefined;
	}
	const ports: number[] = [];
	let ok = true;
	for (const item of value.items as (Node | null)[]) {
		const checked = checkPort(isScalar(item) ? item.value : undefined);
		if (checked.ok) {
			ports.push(checked.port);
		} else {
			report(item?.range?.[0] ?? fallbackOffset, checked.message, checked.hint, isScalar(item) ? String(item.value) : undefined);
			ok = false;
		}
	}
	return ok ? ports : undefined;
}
