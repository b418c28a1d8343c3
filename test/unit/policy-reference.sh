#!/usr/bin/env bash
# The whole-policy check in bash, line by line, with the Feature's lib/grammar.sh: the reference
# the unit tests hold lib/policy.pl to (same verdicts, same messages; containerPolicy.test.ts).
# It was the Feature's own check until lib/policy.pl replaced it (too slow for 10,000 lines), so
# it no longer ships. Sourced after lib/common.sh and lib/grammar.sh.

# Validates canonical policy text in FILE: prints "line N: <entry>: <reason>" and returns 1 on
# the first problem.
airlock_validate_policy_full() {
	# Bytewise comparisons for the order check (LC_ALL=C sort on the host side).
	local LC_ALL=C
	local file=$1 line n=0 previous='' rule
	local -A allowed=()
	if [ ! -s "$file" ]; then
		echo "line 1: (empty): expected \"$AIRLOCK_POLICY_HEADER\""
		return 1
	fi
	if [ "$(tail -c 1 "$file" | od -An -c | tr -d ' ')" != '\n' ]; then
		echo "line $(($(wc -l <"$file") + 1)): (last line): the text must end with a newline"
		return 1
	fi
	# Shells drop NUL bytes when reading lines ("a<NUL>.com" reads as "a.com"): refuse them first.
	if airlock_file_has_nul "$file"; then
		echo "line 1: (NUL byte): canonical text never contains NUL bytes"
		return 1
	fi
	if LC_ALL=C grep -q $'\r' "$file"; then
		n=$(LC_ALL=C grep -n $'\r' "$file" | head -1 | cut -d: -f1)
		echo "line $n: (carriage return): canonical text uses LF line endings only"
		return 1
	fi
	while IFS= read -r line; do
		n=$((n + 1))
		if [ "$n" -eq 1 ]; then
			[ "$line" = "$AIRLOCK_POLICY_HEADER" ] || { echo "line 1: $line: expected \"$AIRLOCK_POLICY_HEADER\""; return 1; }
			continue
		fi
		if [ "$n" -eq 2 ]; then
			case "$line" in
				'mode enforce' | 'mode audit') continue ;;
				*) echo "line 2: $line: expected \"mode enforce\" or \"mode audit\""; return 1 ;;
			esac
		fi
		case "$line" in
			'allow '*)
				rule=${line#allow }
				# An empty host ("allow ", "allow :22") is no array key; the grammar refuses it below.
				[ -z "${rule%:*}" ] || allowed["${rule%:*}"]=1
				;;
			'exfil-warn '*)
				# Sorted after every allow line, so the wildcard's allow line has been seen.
				rule=${line#exfil-warn }
				case "$rule" in
					'*.'*) ;;
					*) echo "line $n: $rule: exfil-warn applies to a wildcard (*.example.com) only"; return 1 ;;
				esac
				case "$rule" in
					*:*) echo "line $n: $rule: exfil-warn takes a wildcard without a port"; return 1 ;;
				esac
				if [ -z "${allowed["$rule"]:-}" ]; then
					echo "line $n: $rule: exfil-warn for a wildcard the policy does not allow"
					return 1
				fi
				;;
			*) echo "line $n: $line: expected \"allow HOST\", \"allow HOST:PORT\" or \"exfil-warn *.HOST\""; return 1 ;;
		esac
		# The quiet variant runs without a subshell: large policies validate in well under a second.
		if ! airlock_check_rule_quiet "$rule"; then
			echo "line $n: $rule: ${AIRLOCK_RULE_REASON:-invalid rule}"
			return 1
		fi
		# Sorted and unique, so the policy hash is the same one the host computed.
		if [ "$n" -gt 3 ] && ! [[ "$previous" < "$line" ]]; then
			echo "line $n: $rule: not in canonical order (allow lines are sorted bytewise, without duplicates)"
			return 1
		fi
		previous=$line
	done <"$file"
	if [ "$n" -lt 2 ]; then
		echo "line 2: (missing): expected \"mode enforce\" or \"mode audit\""
		return 1
	fi
	return 0
}
