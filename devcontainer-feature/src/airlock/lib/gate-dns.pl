#!/usr/bin/perl
# The gate's answer to lookups Docker's embedded resolver forwards from the agent's namespace
# (names it does not know: anything outside the internal network). The gate sends them here
# instead of out (a NAT rule for the resolver address the Compose file gives), and every one gets
# "no such name" at once, so the agent sees a plain NXDOMAIN instead of a slow time-out. Nothing
# is forwarded anywhere. Runs in the gate's container, which shares the agent's namespace.
use strict;
use warnings;
use IO::Socket::INET;

my ($address, $port) = ($ARGV[0] // '127.0.0.1', $ARGV[1] // 5353);
my $socket = IO::Socket::INET->new(LocalAddr => $address, LocalPort => $port, Proto => 'udp')
	or die "gate-dns: cannot listen on $address:$port: $!\n";
$| = 1;
print "gate-dns: answering forwarded lookups with NXDOMAIN on $address:$port\n";
while (1) {
	my $query = '';
	my $peer = $socket->recv($query, 4096) or next;
	next if length($query) < 12;
	my ($id, $flags, $qdcount) = unpack('n n n', $query);
	next if $flags & 0x8000;    # an answer, not a question
	# Header: same id; QR=1, the query's opcode and RD, RA=1, RCODE=3 (NXDOMAIN); the question back.
	my $reply_flags = 0x8000 | ($flags & 0x7900) | 0x0080 | 3;
	my $question = substr($query, 12);
	$socket->send(pack('n n n n n n', $id, $reply_flags, $qdcount, 0, 0, 0) . $question, 0, $peer);
}
