#!/usr/bin/perl
# airlock-ctl's policy tool: the canonical policy's checks, the Squid ACL lists and the hot path of
# `airlock-ctl apply`, each in one process (a shell loop over 10,000 lines took seconds; every
# fork costs milliseconds). The grammar of each rule is lib/grammar.pl, generated from the
# TypeScript grammar. Reads and writes bytes (no I/O layers), compares bytewise.
#
#   policy.pl check POLICY             exit 0 when POLICY is canonical policy text; otherwise
#                                      print "line N: ENTRY: REASON" and exit 1
#   policy.pl rules                    one rule per stdin line; prints "ok" or "bad: REASON" each
#   policy.pl lists POLICY DIR         writes Squid's ACL lists for POLICY into DIR (see below)
#   policy.pl summary POLICY           prints "sha256:HEX HOSTS": the policy hash and the number of
#                                      distinct hosts of its allow lines (for the status)
#   policy.pl apply POLICY SQUID_DIR ROLE PID_FILE CACHE_LOG
#                                      new policy text on stdin (airlock-ctl apply, under its lock)
#
# `apply` prints one line for airlock-ctl:
#   same HASH        the text is the policy in force, byte for byte: nothing was done
#   applied HASH HOSTS   only the host lists changed (same mode, same ports, so squid.conf and the
#                    firewall stay as they are): the policy and the lists are in place and Squid
#                    was told to reload them (see reconfigure below)
#   staged PATH      valid, but the mode or the ports changed (or there is no squid.conf yet):
#                    airlock-ctl regenerates squid.conf, has Squid parse it and reprograms the
#                    firewall from this staged copy, keeping the last good policy on any error
# and exits 2 with the reason on stderr when the text is too large or invalid (nothing changed).
use strict;
use warnings;
use Fcntl qw(O_WRONLY O_CREAT O_EXCL);

# Next to this file (a relative path to `require` would be looked up in @INC, not here).
my $here = $0 =~ m{^(.*)/} ? $1 : '.';
require(($here =~ m{^/} ? '' : './') . "$here/grammar.pl");

my $HEADER = 'airlock-policy 1';
my $MAX_BYTES = 1048576;
# Placeholder entry for an empty list: `.invalid` names are never allowlisted (RFC 6761).
my $EMPTY_LIST_ENTRY = 'empty-list.airlock.invalid';

# Step timings (docs/benchmarks.md): with AIRLOCK_PROFILE=1, prof(STEP) prints the milliseconds
# since the previous mark, which airlock-ctl passes in as AIRLOCK_PROF_LAST (microseconds).
my $prof_last = $ENV{AIRLOCK_PROFILE} && $ENV{AIRLOCK_PROFILE} eq '1' && ($ENV{AIRLOCK_PROF_LAST} // '') =~ /^[0-9]+$/ ? $ENV{AIRLOCK_PROF_LAST} : undef;
sub prof {
	return if !defined $prof_last;
	require Time::HiRes;
	my $now = int(Time::HiRes::time() * 1e6);
	printf STDERR "airlock-ctl: profile: %-28s %6d ms\n", "policy.pl $_[0]", ($now - $prof_last) / 1000;
	$prof_last = $now;
}

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or return undef;
	local $/;
	my $text = <$fh>;
	close $fh;
	return $text // '';
}

# Writes PATH atomically (a new file renamed over it) with MODE.
sub write_atomic {
	my ($path, $text, $mode) = @_;
	my $tmp = "$path.tmp.$$";
	unlink $tmp;
	sysopen(my $fh, $tmp, O_WRONLY | O_CREAT | O_EXCL, $mode) or die "cannot write $tmp: $!\n";
	binmode $fh;
	if (!(print {$fh} $text) || !close($fh) || !chmod($mode, $tmp) || !rename($tmp, $path)) {
		my $error = $!;
		unlink $tmp;
		die "cannot write $path: $error\n";
	}
}

# The problem with canonical policy TEXT as "line N: ENTRY: REASON", or '' when there is none.
# The same checks, in the same order, with the same messages as the shell check this replaced
# (docs/architecture.md, canonical policy text): header, mode, allow/exfil-warn lines that pass the
# grammar, sorted bytewise without duplicates.
sub policy_problem {
	my ($text) = @_;
	return "line 1: (empty): expected \"$HEADER\"" if !defined $text || $text eq '';
	if (substr($text, -1) ne "\n") {
		my $lines = ($text =~ tr/\n//);
		return 'line ' . ($lines + 1) . ': (last line): the text must end with a newline';
	}
	return 'line 1: (NUL byte): canonical text never contains NUL bytes' if index($text, "\0") >= 0;
	my $cr = index($text, "\r");
	if ($cr >= 0) {
		my $before = substr($text, 0, $cr);
		return 'line ' . (($before =~ tr/\n//) + 1) . ': (carriage return): canonical text uses LF line endings only';
	}
	my ($n, $previous, %allowed) = (0, '');
	# The text ends with a newline (checked above): the field after it is not a line.
	my @lines = split /\n/, $text, -1;
	pop @lines;
	for my $line (@lines) {
		$n++;
		if ($n == 1) {
			return "line 1: $line: expected \"$HEADER\"" if $line ne $HEADER;
			next;
		}
		if ($n == 2) {
			next if $line eq 'mode enforce' || $line eq 'mode audit';
			return "line 2: $line: expected \"mode enforce\" or \"mode audit\"";
		}
		my $rule;
		if (substr($line, 0, 6) eq 'allow ') {
			$rule = substr($line, 6);
			my $colon = rindex($rule, ':');
			$allowed{$colon >= 0 ? substr($rule, 0, $colon) : $rule} = 1;
		} elsif (substr($line, 0, 11) eq 'exfil-warn ') {
			# Sorted after every allow line, so the wildcard's allow line has been seen.
			$rule = substr($line, 11);
			return "line $n: $rule: exfil-warn applies to a wildcard (*.example.com) only" if substr($rule, 0, 2) ne '*.';
			return "line $n: $rule: exfil-warn takes a wildcard without a port" if index($rule, ':') >= 0;
			return "line $n: $rule: exfil-warn for a wildcard the policy does not allow" if !$allowed{$rule};
		} else {
			return "line $n: $line: expected \"allow HOST\", \"allow HOST:PORT\" or \"exfil-warn *.HOST\"";
		}
		my $reason = Airlock::Grammar::rule_problem($rule);
		return "line $n: $rule: $reason" if $reason ne '';
		# Sorted and unique, so the policy hash is the same one the host computed.
		return "line $n: $rule: not in canonical order (allow lines are sorted bytewise, without duplicates)"
			if $n > 3 && !($previous lt $line);
		$previous = $line;
	}
	return 'line 2: (missing): expected "mode enforce" or "mode audit"' if $n < 2;
	return '';
}

# mode and CONNECT ports of valid policy TEXT: what squid.conf and the firewall depend on.
sub mode_and_ports {
	my ($text) = @_;
	my ($mode) = $text =~ /\A[^\n]*\nmode ([^\n]*)\n/;
	my %ports = map { $_ => 1 } ($text =~ /^allow [^\n]*:([0-9]+)$/mg);
	return ($mode // '') . ' ' . join(' ', sort { $a <=> $b } keys %ports);
}

# Squid's ACL lists for POLICY TEXT, as { file name => [lines] }:
#   web.names / port-N.names   the hosts of that list: exact names, and `.domain` for `*.domain`
#   web.apex / port-N.apex     each wildcard's apex, which Squid's `.domain` also matches, unless
#                              the apex is itself in the same list (subtracted in squid.conf); an
#                              apex that is listed is then left to `.domain` alone
#   exact.names                the exact hosts at or under a wildcard's domain: the exfiltration
#                              score never refuses an exact host, and only a name a wildcard
#                              matches is scored (others need not be loaded, e.g. 9,000 of 10,000)
#   wild-scored.names, wild-warn.names   the wildcards (`.domain`), split by exfil-warn
#   exfil.bases                every wildcard's domain, for the scorer
# Every list but exfil.bases starts with a `.invalid` placeholder, so none is ever empty.
sub acl_lists {
	my ($text) = @_;
	my (%warn, %lists, %wild, %exact, %bases, %anyexact);
	for my $line (split /\n/, $text) {
		if ($line =~ /^exfil-warn \*\.(\S+)$/) {
			$warn{$1} = 1;
		} elsif ($line =~ /^allow (\S+)$/) {
			my ($r, $list) = ($1, 'web');
			if ($r =~ /^(.*):([0-9]+)$/) {
				($r, $list) = ($1, "port-$2");
			}
			$lists{$list} = 1;
			if (substr($r, 0, 2) eq '*.') {
				my $d = substr($r, 2);
				$wild{$list}{$d} = 1;
				$bases{$d} = 1;
			} else {
				$exact{$list}{$r} = 1;
				$anyexact{$r} = 1;
			}
		}
	}
	$lists{web} = 1;
	my %out;
	for my $list (keys %lists) {
		my @names = ($EMPTY_LIST_ENTRY);
		my @apex = ($EMPTY_LIST_ENTRY);
		# An exact host that is also the apex of a wildcard in the same list is matched by
		# `.apex` already; listing both makes Squid refuse the file ("is a subdomain of").
		push @names, grep { !$wild{$list}{$_} } keys %{ $exact{$list} || {} };
		for my $d (keys %{ $wild{$list} || {} }) {
			push @names, ".$d";
			push @apex, $d if !$exact{$list}{$d};
		}
		$out{"$list.names"} = \@names;
		$out{"$list.apex"} = \@apex;
	}
	my @exact_under = ($EMPTY_LIST_ENTRY);
	HOST: for my $h (keys %anyexact) {
		for (my $n = $h; $n ne ''; ) {
			if ($bases{$n}) {
				push @exact_under, $h;
				next HOST;
			}
			my $i = index($n, '.');
			$n = $i >= 0 ? substr($n, $i + 1) : '';
		}
	}
	$out{'exact.names'} = \@exact_under;
	$out{'wild-scored.names'} = [$EMPTY_LIST_ENTRY, map {".$_"} grep { !$warn{$_} } keys %bases];
	$out{'wild-warn.names'} = [$EMPTY_LIST_ENTRY, map {".$_"} grep { $warn{$_} } keys %bases];
	$out{'exfil.bases'} = [keys %bases];
	return \%out;
}

# Writes the lists into DIR, each file atomically, sorted bytewise and unique, and removes the
# lists of ports the policy no longer has.
sub write_lists {
	my ($text, $dir) = @_;
	# The lock's record of the policy these files came from (airlock-ctl lock skips validating
	# and generating at start when the policy equals it): no longer true once any list changes.
	unlink "$dir/.generated-from";
	my $lists = acl_lists($text);
	my $error = '';
	# Every file is tried (sorted: the same order each time), the first failure reported after.
	for my $file (sort keys %$lists) {
		my %seen;
		my @lines = sort grep { !$seen{$_}++ } @{ $lists->{$file} };
		eval { write_atomic("$dir/$file", join('', map {"$_\n"} @lines), 0644); 1 } or $error ||= $@;
	}
	die $error if $error ne '';
	opendir(my $dh, $dir) or die "cannot read $dir: $!\n";
	for my $file (readdir $dh) {
		next unless $file =~ /\.(names|apex)$/ || $file eq 'exfil.bases';
		unlink "$dir/$file" if !$lists->{$file};
	}
	closedir $dh;
}

# Distinct hosts of the allow lines (a host with several ports counts once).
sub host_count {
	my ($text) = @_;
	my %hosts = map { $_ => 1 } ($text =~ /^allow ([^\s:]+)(?::[0-9]+)?$/mg);
	return scalar keys %hosts;
}

sub policy_hash {
	my ($path, $text) = @_;
	# Digest::SHA is core Perl, but some distributions package it apart (Fedora): then sha256sum.
	if (eval { require Digest::SHA; 1 }) {
		return 'sha256:' . Digest::SHA::sha256_hex($text);
	}
	my $sum = `sha256sum < '$path'`;
	$sum =~ s/ .*//s;
	return "sha256:$sum";
}

# Makes the running Squid load the lists again and returns once it accepts connections with them:
# a reconfigure (SIGHUP, what `squid -k reconfigure` sends) closes the listening socket, re-reads
# everything and opens it again. Squid logs "Accepting HTTP Socket connections" when it listens
# again; the wait reads CACHE_LOG from before the signal. Returns 0 when there is no Squid to tell
# (its supervisor starts it with the new files) and 1 when the line has not come within 10 s.
sub reconfigure_squid {
	my ($pid_file, $cache_log) = @_;
	my $pid = slurp($pid_file) // return 0;
	$pid =~ s/\s+//g;
	return 0 if $pid !~ /^[0-9]+$/ || index(slurp("/proc/$pid/cmdline") // '', 'squid') < 0;
	my $offset = -s $cache_log // 0;
	kill 'HUP', $pid or return 0;
	open(my $log, '<:raw', $cache_log) or return 1;
	seek $log, $offset, 0;
	my $seen = '';
	for (1 .. 2000) {
		while (defined(my $chunk = <$log>)) {
			$seen .= $chunk;
			return 0 if index($seen, 'Accepting HTTP Socket connections') >= 0;
			$seen = substr($seen, -200) if length($seen) > 4096;
		}
		seek $log, 0, 1;
		select(undef, undef, undef, 0.005);
	}
	return 1;
}

# A write that failed (ERROR from write_atomic) ends the apply, on one line for the host's parser.
sub write_failed {
	my ($error) = @_;
	chomp $error;
	print STDERR "airlock-ctl: apply: line 1: (policy): $error; the previous policy stays enforced. Fix what it names (a full disk, say: df /etc/airlock in the container) and apply again.\n";
	exit 1;
}

sub cmd_apply {
	my ($policy, $squid_dir, $role, $pid_file, $cache_log) = @_;
	my $new = '';
	binmode STDIN;
	# One byte past the limit, so an oversized policy is refused, never cut to fit.
	while (length($new) <= $MAX_BYTES) {
		my $got = read(STDIN, $new, $MAX_BYTES + 1 - length($new), length($new));
		die "airlock-ctl: apply: reading the policy: $!\n" if !defined $got;
		last if $got == 0;
	}
	if (length($new) > $MAX_BYTES) {
		print STDERR "airlock-ctl: apply: line 1: (policy): larger than 1 MiB; split the allowlist into wildcards or presets. The old policy stays enforced.\n";
		exit 2;
	}
	prof('read');
	my $old = slurp($policy);
	if (defined $old && $old eq $new) {
		# The policy in force, byte for byte: nothing to re-read, reprogram or restart.
		print 'same ', policy_hash($policy, $new), "\n";
		return 0;
	}
	my $problem = policy_problem($new);
	if ($problem ne '') {
		print STDERR "airlock-ctl: apply: $problem\n";
		exit 2;
	}
	prof('validate');
	my $policy_dir = $policy =~ m{^(.*)/} ? $1 : '.';
	my $staged = "$policy_dir/.policy.apply.$$";
	unlink $staged;
	if (!eval { write_atomic($staged, $new, 0644); 1 }) {
		unlink $staged;
		write_failed($@);
	}
	chown 0, 0, $staged if $role ne 'proxy';
	if (!defined $old || !-e "$squid_dir/squid.conf" || mode_and_ports($old) ne mode_and_ports($new)) {
		print "staged $staged\n";
		return 0;
	}
	# Same mode and ports: squid.conf and the firewall stay as they are, only the host lists change,
	# and each of their entries passed the grammar above. Lists first, then the policy.
	if (!eval { write_lists($new, $squid_dir); rename($staged, $policy) or die "cannot move the policy into place: $!\n"; 1 }) {
		# A full disk, say: the lists of the policy in force back (Squid still runs on them, it
		# has not been told to reload), and the policy was not moved.
		my $error = $@;
		eval { write_lists($old, $squid_dir) };
		unlink $staged;
		write_failed($error);
	}
	prof('lists+policy written');
	if (reconfigure_squid($pid_file, $cache_log) != 0) {
		print STDERR "airlock-ctl: apply: warning: the proxy did not confirm the new configuration within 10 s; its supervisor restarts it with the new policy if it stopped\n";
	}
	prof('reconfigure');
	print 'applied ', policy_hash($policy, $new), ' ', host_count($new), "\n";
	prof('hash');
	return 0;
}

my $command = shift @ARGV // '';
if ($command eq 'check' && @ARGV == 1) {
	my $problem = policy_problem(slurp($ARGV[0]));
	exit 0 if $problem eq '';
	print "$problem\n";
	exit 1;
} elsif ($command eq 'rules' && !@ARGV) {
	binmode STDIN;
	binmode STDOUT;
	while (defined(my $rule = <STDIN>)) {
		chomp $rule;
		my $reason = Airlock::Grammar::rule_problem($rule);
		print $reason eq '' ? "ok\n" : "bad: $reason\n";
	}
} elsif ($command eq 'summary' && @ARGV == 1) {
	my $text = slurp($ARGV[0]) // die("cannot read $ARGV[0]: $!\n");
	print policy_hash($ARGV[0], $text), ' ', host_count($text), "\n";
} elsif ($command eq 'lists' && @ARGV == 2) {
	write_lists(slurp($ARGV[0]) // die("cannot read $ARGV[0]: $!\n"), $ARGV[1]);
} elsif ($command eq 'apply' && @ARGV == 5) {
	exit cmd_apply(@ARGV);
} else {
	print STDERR "usage: policy.pl check POLICY | rules | summary POLICY | lists POLICY DIR | apply POLICY SQUID_DIR ROLE PID_FILE CACHE_LOG\n";
	exit 2;
}
