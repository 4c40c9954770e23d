# HTTP on the wire: requests built from a block, sent over TCP, responses parsed.
package Test::Nginx::Compat::Request;

use strict;
use warnings;

use Errno qw(EAGAIN EINTR);
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Socket qw(SHUT_WR);
use Time::HiRes qw(sleep time);

use Test::Nginx::Compat::Server ();

*Cfg = \%Test::Nginx::Compat::Server::Cfg;
our %Cfg;

sub bail { Test::Nginx::Socket::bail_out(@_) }

# parse_request_text($name, $text): "METHOD [URL [VERSION]]" then the body.
sub parse_request_text {
    my ($name, $text) = @_;
    my ($first, $body) = split /\n/, $text, 2;
    if (!defined $first || $first !~ /\S/) {
        bail("$name - Request line should be non-empty");
    }
    if ($first !~ /^\s*(\S+) *(?:(\S+) *)?(?:(\S+) *)?\s*$/) {
        bail("$name - Request line is not valid. Should be "
             . "'meth [url [version]]' but got \"$first\".");
    }
    return {
        method  => $1,
        url     => $2 // '/',
        version => $3 // 'HTTP/1.1',
        body    => $body // '',
    };
}

# more_headers($text): normalised "Key: value\r\n" lines, and whether the
# request is chunked.  Lines starting with # are comments.
sub more_headers {
    my ($text) = @_;
    my ($out, $chunked) = ('', 0);
    for my $line (split /\n+/, $text // '') {
        next if $line =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $line, 2;
        $val //= '';
        $chunked = 1 if lc $key eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $chunked);
}

# build_request($name, $text, $headers_text, $connection): the bytes of one
# request.  Like Test::Nginx: Host and Connection are added unless given,
# a non-empty body loses its surrounding whitespace and gets a
# Content-Length unless one is given or the request is chunked.
sub build_request {
    my ($name, $text, $headers_text, $connection) = @_;
    my $req = parse_request_text($name, $text);
    my ($more, $chunked) = more_headers($headers_text);

    my $body = $req->{body};
    my $len = '';
    if (!$chunked && $body ne '' && $more !~ /(?:^|\n)Content-Length:/) {
        $body =~ s/^\s+|\s+$//gs;
        $len = 'Content-Length: ' . length($body) . "\r\n";
    }

    my $head = "$req->{method} $req->{url} $req->{version}\r\n";
    $head .= "Host: $Cfg{server_name}\r\n" if $more !~ /(?:^|\n)Host:/msi;
    $head .= "Connection: $connection\r\n"
        if $more !~ /(?:^|\n)Connection/msi;
    return $head . $more . $len . "\r\n" . $body;
}

sub indexed_headers {
    my ($name, $more, $i) = @_;
    return $more if ref $more ne 'ARRAY';
    my $h = $more->[$i];
    bail("$name - --- more_headers lacks data for request $i")
        if !defined $h;
    return $h;
}

# requests_from_block($block): a list of requests, each a list of packets
# ({ value => bytes, delay_before => seconds }) to write in order.
sub requests_from_block {
    my ($block) = @_;
    my $name = $block->name;

    if (defined $block->raw_request) {
        my $raw = $block->raw_request;
        my @parts = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        return [[map { { value => $_ } } @parts]];
    }

    my $more = $block->more_headers // '';

    if (defined $block->pipelined_requests) {
        my $reqs = $block->pipelined_requests;
        bail("$name - invalid entries in --- pipelined_requests")
            if ref $reqs ne 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            $all .= build_request($name, $reqs->[$i],
                                  indexed_headers($name, $more, $i), $conn);
        }
        return [[{ value => $all }]];
    }

    my $request = $block->request;
    bail("$name - no --- request section") if !defined $request;
    if (!ref $request) {
        1 while $request =~ s/^\s*\#[^\n]+\s+|^\s+//gs;
    }
    my @list = ref $request eq 'ARRAY' ? @$request : ($request);
    bail("$name - invalid --- request: MUST be string or array of requests")
        if ref $request && ref $request ne 'ARRAY';

    my @out;
    for my $i (0 .. $#list) {
        my $one = $list[$i];
        my $hdr = indexed_headers($name, $more, $i);
        if (!ref $one) {
            push @out, [{ value => build_request($name, $one, $hdr,
                                                 'close') }];
            next;
        }
        bail("$name - request $i should be a string or an array of "
             . "packets") if ref $one ne 'ARRAY';

        my @packets = map { ref $_ ? $_ : { value => $_ } } @$one;
        my $text = join '', map { $_->{value} } @packets;
        my $bytes = build_request($name, $text, $hdr, 'close');
        my @built = split_like_packets($bytes, $text, \@packets);
        push @out, \@built;
    }
    return \@out;
}

# split_like_packets($bytes, $text, $packets): the built request $bytes cut
# where the packets of $text were cut: a cut inside the request line stays
# there, a cut inside the body moves by the length of the added headers;
# each piece keeps its packet's delay_before.
sub split_like_packets {
    my ($bytes, $text, $packets) = @_;
    my $line_len = index($text, "\n") + 1 || length $text;
    my $head_len = index($bytes, "\r\n\r\n") + 4;

    my @out;
    my ($from, $end) = (0, 0);
    for my $k (0 .. $#$packets) {
        $end += length $packets->[$k]{value};
        my $to = $k == $#$packets   ? length $bytes
               : $end < $line_len   ? $end
               : $head_len + $end - $line_len;
        $to = length $bytes if $to > length $bytes;
        $to = $from if $to < $from;
        push @out, { value => substr($bytes, $from, $to - $from),
                     delay_before => $packets->[$k]{delay_before} };
        $from = $to;
    }
    return @out;
}

sub connect_server {
    my ($block) = @_;
    my $addr = $block->server_addr_for_client // $Cfg{server_addr};
    my $err;
    # nginx may still be binding its socket right after a (re)start.
    for my $try (1 .. 50) {
        my $sock = IO::Socket::INET->new(PeerAddr => $addr,
                                         PeerPort => $Cfg{client_port},
                                         Proto => 'tcp',
                                         Timeout => $Cfg{timeout});
        return $sock if $sock;
        $err = $!;
        my $wait = ($Cfg{sleep} + $Cfg{sleep} * $try) * $try / 2;
        sleep($wait > 1 ? 1 : $wait);
    }
    return (undef, "Can't connect to $addr:$Cfg{client_port}: $err");
}

# send_request($packets, $block, $timeout): write the packets, read until
# the server closes.  Returns (raw_response, error) where error is
# "timeout" or a connect/write failure message.
sub send_request {
    my ($packets, $block, $timeout) = @_;
    local $SIG{PIPE} = 'IGNORE';
    my ($sock, $err) = connect_server($block);
    return ('', $err) if !$sock;

    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    my $middle_delay = $block->raw_request_middle_delay;
    my $resp = '';
    my $deadline = time + $timeout;

    for my $i (0 .. $#$packets) {
        my $p = $packets->[$i];
        my $delay = $p->{delay_before} // ($i > 0 ? $middle_delay : undef);
        sleep $delay if $delay;
        my $buf = $p->{value};
        my $off = 0;
        while ($off < length $buf) {
            my $left = $deadline - time;
            return ($resp, 'timeout') if $left <= 0;
            next if !$sel->can_write($left);
            my $n = syswrite $sock, $buf, length($buf) - $off, $off;
            if (!defined $n) {
                next if $! == EAGAIN || $! == EINTR;
                # The server may answer and close before reading everything.
                last;
            }
            $off += $n;
        }
    }
    if (defined $block->shutdown) {
        shutdown $sock, SHUT_WR;
    }

    while (1) {
        my $left = $deadline - time;
        if ($left <= 0 || !$sel->can_read($left)) {
            close $sock;
            return ($resp, 'timeout');
        }
        my $n = sysread $sock, my $chunk, 65536;
        if (!defined $n) {
            next if $! == EAGAIN || $! == EINTR;
            last;
        }
        last if $n == 0;
        $resp .= $chunk;
    }
    close $sock;
    return ($resp, undef);
}

# parse_response($name, $raw, $is_head): (HTTP::Response, raw headers,
# bytes left after this response, error message).
sub parse_response {
    my ($name, $raw, $is_head) = @_;
    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';
    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        $res->code(undef);
        return ($res, $raw_headers, undef, undef);
    }
    return ($res, $raw_headers, undef, undef)
        if $is_head || ($code && ($code == 304 || $code == 101));

    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my $body = $res->content // '';
    my $left;

    if (defined $enc && $enc eq 'chunked') {
        my $decoded = '';
        pos($body) = 0;
        while (1) {
            if ($body =~ /\G0[ \t]*\r\n\r\n/gc) {
                $left = substr $body, pos $body if pos($body) < length $body;
                last;
            }
            if ($body !~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*\r\n/gc) {
                return ($res, $raw_headers, undef,
                        "$name - invalid chunked body received");
            }
            my $size = hex $1;
            my $at = pos $body;
            if (length($body) - $at < $size + 2
                || substr($body, $at + $size, 2) ne "\r\n")
            {
                return ($res, $raw_headers, undef,
                        "$name - invalid chunked data received");
            }
            $decoded .= substr $body, $at, $size;
            pos($body) = $at + $size + 2;
        }
        $res->content($decoded);

    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $body > $len) {
            $left = substr $body, $len;
            $res->content(substr $body, 0, $len);
        } elsif (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got " . length($body) . "\n";
        }
    }
    return ($res, $raw_headers, $left, undef);
}

1;
