/**
 * The exfiltration scoring rules: ONE definition, read by the host scorer (`score.ts`) and by
 * `scripts/gen-feature-scorer.mjs`, which writes the container's copy
 * (devcontainer-feature/src/airlock/lib/exfil-score.pl, the proxy's external ACL helper) from
 * these constants and drift-checks it in `npm run lint`. Shared test vectors
 * (test/fixtures/exfil/vectors.json) run on both scorers.
 *
 * This file imports nothing and uses only erasable TypeScript: the generator loads it with
 * Node's type stripping. Patterns use the regular-expression subset JavaScript and Perl read
 * the same way (classes, groups `(?:…)`, alternation, `{m,n}`, `\.`, fixed-length lookbehind)
 * and are matched case-insensitively, because host names are case-folded on the way.
 *
 * The thresholds and their measured false-positive and detection rates are in
 * docs/exfil-scoring.md (regenerated from test/fixtures/exfil/ by the unit tests' report).
 */

/** A label this long or longer is measured for entropy (pipelock: 8 characters). */
export const ENTROPY_MIN_LENGTH = 8;
/** Shannon entropy per character strictly above this marks a label (pipelock: 4.0 bits). */
export const ENTROPY_MAX_BITS = 4.0;
/**
 * Long pieces are held to a lower bound: a random 20-character base36 string averages about
 * 4.0 bits, so 4.0 alone would let half of them through, while names people pick (words, a
 * short random suffix) stay under 3.8 (measured on test/fixtures/exfil/benign.txt).
 */
export const ENTROPY_LONG_MIN_LENGTH = 20;
export const ENTROPY_LONG_MAX_BITS = 3.8;
/**
 * A label of hex digits (with at least one digit and one letter) longer than this. 32 lets
 * MD5-sized ids through (CDN account ids such as Cloudflare R2's); 40-digit SHA-1 and longer
 * payloads are marked.
 */
export const HEX_LABEL_MAX = 32;
/** A base32-shaped label ([a-z2-7], at least BASE32_MIN_DIGITS of 2-7) at least this long. */
export const BASE32_LABEL_MIN = 20;
export const BASE32_MIN_DIGITS = 3;
/**
 * Encoded payload spread over several labels: the pieces of ENCODED_LABEL_MIN or more
 * characters that look encoded (hex, base32-shaped, or with a digit and over
 * ENCODED_LABEL_MIN_BITS of entropy per character) together at least this long. 40 is above
 * one 32-digit id plus a short one, the most benign names carry.
 */
export const ENCODED_TOTAL_MIN = 40;
export const ENCODED_LABEL_MIN = 10;
export const ENCODED_LABEL_MIN_BITS = 3.0;
/** Labels under the allowed wildcard, all of them joined, longer than this (a payload cut into many short labels). */
export const SUBDOMAIN_MAX_LENGTH = 100;

/** Where a credential pattern is looked for. */
export type CredentialScope = 'host' | 'url' | 'both';

export interface CredentialPattern {
	/** Stable signal name: `credential:<name>` in logs and messages. */
	readonly name: string;
	readonly scope: CredentialScope;
	/** Case-insensitive; see the file comment for the allowed syntax. */
	readonly pattern: string;
	/** Where the format is documented. */
	readonly source: string;
}

/**
 * Known credential formats. In a host name the pattern is tried on the name as it is and with
 * its dots removed (a token cut into labels); in a plain-HTTP URL on the URL percent-decoded.
 * Prefixes that are short or common words (AWS key ids) need word boundaries, so they are
 * tried with the dots kept only.
 */
export const CREDENTIAL_PATTERNS: readonly CredentialPattern[] = [
	{ name: 'aws-access-key-id', scope: 'both', pattern: '(?<![a-z0-9])(?:akia|asia|abia|acca)[a-z2-7]{16}(?![a-z0-9])', source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids' },
	{ name: 'github-token', scope: 'both', pattern: 'gh[pousr][_-][a-z0-9]{36}', source: 'https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/' },
	{ name: 'github-fine-grained-token', scope: 'both', pattern: 'github[_-]pat[_-][a-z0-9_]{40,}', source: 'https://github.blog/security/application-security/introducing-fine-grained-personal-access-tokens-for-github/' },
	{ name: 'gitlab-token', scope: 'both', pattern: 'glpat-[a-z0-9_-]{20}', source: 'https://docs.gitlab.com/security/tokens/#token-prefixes' },
	{ name: 'anthropic-key', scope: 'both', pattern: 'sk-ant-[a-z]{2,8}[0-9]{2}-[a-z0-9_-]{20,}', source: 'https://docs.anthropic.com/en/api/admin-api/apikeys/get-api-key' },
	{ name: 'openai-key', scope: 'both', pattern: 'sk-(?:proj|svcacct|admin)-[a-z0-9_-]{20,}', source: 'https://platform.openai.com/docs/api-reference/authentication' },
	{ name: 'openai-legacy-key', scope: 'both', pattern: 'sk-[a-z0-9]{20}t3blbkfj[a-z0-9]{20}', source: 'https://platform.openai.com/docs/api-reference/authentication' },
	{ name: 'slack-token', scope: 'both', pattern: 'xox[abposr]-[0-9]{6,}-[a-z0-9-]{6,}', source: 'https://api.slack.com/concepts/token-types' },
	{ name: 'slack-webhook', scope: 'url', pattern: 'hooks\\.slack\\.com/services/t[a-z0-9]{6,}/b[a-z0-9]{6,}/[a-z0-9]{12,}', source: 'https://api.slack.com/messaging/webhooks' },
	{ name: 'google-api-key', scope: 'both', pattern: 'aiza[0-9a-z_-]{35}', source: 'https://cloud.google.com/docs/authentication/api-keys' },
	{ name: 'stripe-key', scope: 'both', pattern: '(?:sk|rk)[_-](?:live|test)[_-][a-z0-9]{16,}', source: 'https://docs.stripe.com/keys' },
	{ name: 'npm-token', scope: 'both', pattern: 'npm[_-][a-z0-9]{36}', source: 'https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/' },
	{ name: 'huggingface-token', scope: 'both', pattern: 'hf[_-][a-z0-9]{34}', source: 'https://huggingface.co/docs/hub/security-tokens' },
	{ name: 'jwt', scope: 'both', pattern: 'eyj[a-z0-9_-]{8,}\\.?eyj[a-z0-9_-]{8,}', source: 'https://datatracker.ietf.org/doc/html/rfc7519#section-3' },
	{ name: 'private-key', scope: 'url', pattern: '-----begin[a-z ]{0,20}private key', source: 'https://datatracker.ietf.org/doc/html/rfc7468#section-10' },
];

/** Patterns whose prefix is distinctive enough to look for with the dots of a host name removed. */
export const DOTLESS_EXCLUDED: readonly string[] = ['aws-access-key-id'];

/** The signal names the scorers emit (besides `credential:<name>`), in the order they are checked. */
export const SHAPE_SIGNALS = ['entropy', 'hex-label', 'base32-label', 'encoded-payload', 'long-subdomain'] as const;
