# Assertions on one response and on the block's error.log lines, as TAP tests.
package Test::Nginx::Compat::Check;

use strict;
use warnings;

use Test::More ();
use Text::Diff ();

use Test::Nginx::Compat::Server ();

*Cfg = \%Test::Nginx::Compat::Server::Cfg;
our %Cfg;

sub bail { Test::Nginx::Socket::bail_out(@_) }

# show($s): a string with its invisible characters made visible.
sub show {
    my ($s) = @_;
    return 'undef' if !defined $s;
    $s =~ s/\\/\\\\/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\t/\\t/g;
    $s =~ s/([\x00-\x08\x0b-\x1f\x7f])/sprintf '\\x%02x', ord $1/ge;
    return $s;
}

# is_str($got, $expected, $desc): a regex expectation is matched, a string
# one compared exactly; a mismatch shows both sides and a unified diff.
sub is_str {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;

    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }
    my $ok = defined $got && defined $expected ? $got eq $expected
           : !defined $got && !defined $expected;
    Test::More::ok($ok, $desc);
    return 1 if $ok;

    my $diag = "         got: '" . show($got) . "'\n"
             . "    expected: '" . show($expected) . "'\n";
    if (!$Cfg{no_long_string} && defined $got && defined $expected
        && ($got =~ /\n/ || $expected =~ /\n/))
    {
        $diag .= "    diff (- expected, + got):\n"
              . Text::Diff::diff(\$expected, \$got, { STYLE => 'Unified' });
    }
    Test::More::diag($diag);
    return 0;
}

# indexed($name, $value, $i, $need_array): the expectation for request $i.
sub indexed {
    my ($name, $value, $i, $need_array) = @_;
    my $is_array = ref $value && ref $value eq 'ARRAY';
    if ($need_array) {
        return $value->[$i] if $is_array;
        bail("$name - You asked for many requests, the expected results "
             . "should be arrays as well.");
    }
    return $is_array ? $value->[0] : $value;
}

sub server_ports {
    my ($s) = @_;
    return $s if !defined $s || ref $s;
    $s =~ s/\$ServerPortForClient\b/$Cfg{client_port}/g;
    $s =~ s/\$ServerPort\b/$Cfg{port}/g;
    return $s;
}

sub check_status {
    my ($block, $res, $i, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->code) || '';

    if (defined $block->error_code_like) {
        my $pat = indexed($name, $block->error_code_like, $i, $need_array);
        return Test::More::like($code, qr/$pat/sm, "$name - status code ok");
    }
    my $want = defined $block->error_code
             ? indexed($name, $block->error_code, $i, $need_array) : 200;
    $want =~ s/^\s+|\s+$//g if defined $want && !ref $want;
    return Test::More::is($code, $want, "$name - status code ok");
}

# parse_header_lines($text): [name, value] pairs; "!Name" means absent
# (value undef).
sub parse_header_lines {
    my ($text) = @_;
    my @out;
    for my $line (split /\n/, $text // '') {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            push @out, [$line, undef];
            next;
        }
        my ($key, $val) = split /\s*:\s*/, $line, 2;
        push @out, [$key, $val // ''];
    }
    return @out;
}

sub check_headers {
    my ($block, $res, $raw_headers, $i, $need_array) = @_;
    my $name = $block->name;

    for my $s (qw(raw_response_headers_like raw_response_headers_unlike)) {
        next if !defined $block->$s;
        my $pat = indexed($name, $block->$s, $i, $need_array);
        my $cmp = $s =~ /unlike/ ? \&Test::More::unlike : \&Test::More::like;
        $cmp->($raw_headers, qr/$pat/s, "$name - raw resp headers "
               . ($s =~ /unlike/ ? 'unlike' : 'like'));
    }

    if (defined $block->response_headers) {
        my $spec = indexed($name, $block->response_headers, $i, $need_array);
        for my $h (parse_header_lines($spec)) {
            my ($key, $val) = @$h;
            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/msi,
                    "$name - header $key not present in the raw headers");
                next;
            }
            my $got = $res ? $res->header($key) : undef;
            Test::More::is($got // '', server_ports($val),
                           "$name - header $key ok");
        }

    } elsif (defined $block->response_headers_like) {
        my $spec = indexed($name, $block->response_headers_like, $i,
                           $need_array);
        for my $h (parse_header_lines($spec)) {
            my ($key, $val) = @$h;
            my $got = $res ? $res->header($key) : undef;
            Test::More::like($got // '', qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
    return;
}

sub check_body {
    my ($block, $res, $i, $repeat, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->content : undef;
    if (defined $content) {
        $content =~ s/^TE: deflate,gzip;q=0\.3\r\n//gms;
        $content =~ s/^Connection: TE, close\r\n//gms;
    }

    if (defined $block->response_body) {
        my $want = server_ports(indexed($name, $block->response_body, $i,
                                        $need_array));
        my $desc = "$name - response_body - "
                   . (ref $want ? 'like' : 'response is expected')
                   . " (repeated req $repeat, req $i)";
        is_str($content, $want, $desc);

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $sect = "response_body_$type";
        my $pat = server_ports(indexed($name, $block->$sect, $i,
                                       $need_array));
        my $summary = defined $content ? $content : '';
        $summary =~ s/^\s+|\s+$//g;
        $summary =~ s/\s+/ /g;
        my $cmp = $type eq 'like' ? \&Test::More::like : \&Test::More::unlike;
        $cmp->($content, qr/$pat/s,
               "$name - $sect - response is expected ($summary)");
    }
    return;
}

# patterns($value): a section value as a list of patterns: lines of a
# string, or a regex, or an array of strings/regexes.
sub patterns {
    my ($pats) = @_;
    return () if !defined $pats;
    return ($pats) if ref $pats eq 'Regexp';
    return @$pats if ref $pats eq 'ARRAY';
    chomp $pats;
    return grep { length } split /\n+/, $pats;
}

# fmt($s): a pattern or line as the real runner prints it in test names.
sub fmt {
    my ($s) = @_;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

sub line_matches {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub mentions {
    my ($pats, $what) = @_;
    return grep { !ref $_ && index($_, $what) >= 0
                  || ref $_ && "$_" =~ /\Q$what\E/ } @$pats;
}

sub check_error_log {
    my ($block, $repeat) = @_;
    my $name = $block->name;
    my $lines;
    my @want = patterns(scalar $block->error_log);
    my @unwanted = patterns(scalar $block->no_error_log);

    if (defined $block->grep_error_log) {
        my $g = $block->grep_error_log;
        $g = $g->[$repeat] if ref $g eq 'ARRAY';
        my $want = $block->grep_error_log_out;
        bail("$name - No --- grep_error_log_out defined but "
             . "--- grep_error_log is defined") if !defined $want;
        $want = $want->[$repeat] if ref $want eq 'ARRAY';
        $lines //= Test::Nginx::Compat::Server::error_log_lines();
        my $out = '';
        for my $line (@$lines) {
            if (ref $g ? $line =~ $g : $line =~ /\Q$g\E/) {
                $out .= "$&\n" if $& !~ /\n/;
            }
        }
        is_str($out, $want, "$name - grep_error_log_out (req $repeat)");
    }

    if (@want) {
        $lines //= Test::Nginx::Compat::Server::error_log_lines();
        for my $pat (@want) {
            my $hit = grep { line_matches($_, $pat) } @$lines;
            Test::More::ok($hit, "$name - pattern \"$pat\" "
                . ($hit ? 'matches' : 'should match')
                . " a line in error.log (req $repeat)")
              or Test::More::diag(tail_diag($lines));
        }
    }

    if (@unwanted) {
        $lines //= Test::Nginx::Compat::Server::error_log_lines();
        for my $pat (@unwanted) {
            # One failure per offending line, like the real runner.
            my @hits = grep { line_matches($_, $pat) } @$lines;
            for my $hit (@hits) {
                Test::More::fail("$name - pattern \"" . fmt($pat)
                    . "\" should not match any line in error.log but "
                    . "matches line \"" . fmt($hit) . "\" (req $repeat)");
            }
            if (!@hits) {
                Test::More::pass("$name - pattern \"" . fmt($pat)
                    . "\" does not match a line in error.log (req $repeat)");
            }
        }
    }

    # Like the real runner: severe lines nobody asked about are reported.
    my @all = (@want, @unwanted);
    for my $level (qw(alert crit emerg)) {
        next if mentions(\@all, "[$level");
        $lines //= Test::Nginx::Compat::Server::error_log_lines();
        for my $line (grep { /\[$level\]/ } @$lines) {
            chomp(my $l = $line);
            warn "WARNING: $name - $l\n";
        }
    }
    return;
}

# tail_diag($lines): the last 20 non-debug error.log lines, for diagnostics.
sub tail_diag {
    my ($lines) = @_;
    my @useful = grep { m{^\d{4}/\d\d/\d\d \S+ \[(?!debug\])} } @$lines;
    my @tail = @useful > 20 ? @useful[-20 .. -1] : @useful;
    return "error.log lines above debug level (last 20 shown):\n"
           . (@tail ? join('', map { "    $_" } @tail) : "    (none)\n");
}

1;
