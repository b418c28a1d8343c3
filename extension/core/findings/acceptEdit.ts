import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { readFileIfExists, writeFileAtomic } from '../atomicFile';
import { InvalidInputError } from '../errors';
import { parsePolicyText } from '../policyFile';
import { projectPolicyFile } from '../plan';
import type { FindingId } from './catalog';

/**
 * Adds `{ finding, reason }` to `accept:` in the project's airlock.yaml, keeping the person's
 * comments and layout. The result is parsed with the one policy grammar before it is written
 * (atomically). The acceptance then shows in the review as a change to approve: writing it
 * approves nothing.
 */
export function addAcceptance(workspace: string, finding: FindingId, reason: string): { file: string; changed: boolean } {
	const file = projectPolicyFile(workspace);
	const before = readFileIfExists(file);
	if (before === undefined) {
		throw new InvalidInputError([{ file, line: 1, column: 1, message: 'there is no policy file yet', hint: 'run `airlock init` (or "Airlock: Lock This Repository…") first' }]);
	}
	if (reason.trim() === '') {
		throw new InvalidInputError([{ file, line: 1, column: 1, message: `accepting ${finding} needs a reason`, hint: 'say why this container needs it; the reviewer reads it' }]);
	}
	const parsed = parsePolicyText(before, file);
	if ((parsed.accept ?? []).some((a) => a.finding === finding)) {
		return { file, changed: false };
	}
	const doc = parseDocument(before);
	if (!isMap(doc.contents)) {
		throw new InvalidInputError([{ file, line: 1, column: 1, message: 'the policy is not a mapping', hint: 'fix the file first' }]);
	}
	const entry = doc.createNode({ finding, reason });
	entry.flow = true;
	const list = doc.get('accept', true);
	if (isSeq(list)) {
		list.items.push(entry);
	} else {
		const seq = new YAMLSeq();
		seq.items.push(entry);
		doc.set('accept', seq);
	}
	const after = doc.toString();
	parsePolicyText(after, file);
	writeFileAtomic(file, after);
	return { file, changed: true };
}
