# Rate limits: per-client budgets in shared memory, the failure budget, 429s.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

repeat_each(1);
no_shuffle();
no_long_string();

# Fresh event ids and sources per run: the database may hold older rows.
our $RUN = sprintf '%d%05d', time, $$;
$ENV{TEST_NGINX_RUN} = $RUN;

sub body {
    my ($n) = @_;
    return qq({"event":"order.paid","event_id":"t050_${n}_$::RUN"});
}

# signed($n) / forged($n): a webhook request and its headers.
sub signed {
    my ($n) = @_;
    return ["POST /wh\n" . body($n),
            'X-Signature: ' . generic_sig('s3cret', body($n))];
}

sub forged {
    my ($n) = @_;
    return ["POST /wh\n" . body($n),
            'X-Signature: ' . generic_sig('wrong', body($n))];
}

sub requests { [map { $_->[0] } @_] }
sub headers  { [map { $_->[1] } @_] }

sub rows {
    my ($source) = @_;
    return "SELECT count(*) FILTER (WHERE state <> 'rejected'), "
         . "count(*) FILTER (WHERE state = 'rejected') "
         . "FROM orderhooks.webhook_events WHERE source = "
         . sql_quote($source);
}

# --- log_after_last: patterns (one a line, or qr// via eval) that the
# error log must hold once the block's last request was answered.  (An
# --- error_log is checked after every request of a block, and a limit
# only shows after the first few.)
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if $dry_run || !defined $block->log_after_last;
    my $reqs = $block->request;
    return if ref $reqs eq 'ARRAY' && $req_idx != $#$reqs;

    select undef, undef, undef, 0.2;      # the log phase comes after
    my $file = Test::Nginx::Socket::server_root() . '/logs/error.log';
    open my $in, '<', $file or die "$file: $!";
    my @lines = <$in>;
    close $in;

    my $want = $block->log_after_last;
    my @pats = ref $want eq 'ARRAY' ? @$want
             : ref $want ? ($want) : grep { length } split /\n/, $want;
    for my $pat (@pats) {
        my $hit = grep { ref $pat ? $_ =~ $pat : index($_, $pat) >= 0 }
                  @lines;
        ok($hit, $block->name . " - the error log has \"$pat\"");
    }
});

run_tests();

__DATA__

=== TEST 1: an idle client gets exactly "burst" requests, then 429s
--- http_config
    orderhooks_limit_zone t1:64k rate=1r/m burst=3;
--- config
    root $TEST_NGINX_SERVER_ROOT/html;
    location = /t {
        orderhooks_limit zone=t1;
        try_files /t.txt =404;
    }
--- user_files
>>> t.txt
ok
--- request eval
[("GET /t") x 7]
--- error_code eval
[200, 200, 200, 429, 429, 429, 429]
--- response_headers eval
[("!Retry-After") x 3, ("Retry-After: 60") x 4]
--- response_body eval
[("ok\n") x 3, ("{\"error\":\"rate_limited\",\"retry_after\":60}\n") x 4]
--- log_after_last
orderhooks: limiting requests from 127.0.0.1 in zone "t1", retry after 60 s
--- no_error_log
[error]



=== TEST 2: the bucket leaks at the rate: one request per 500 ms at 2r/s
Requests 300 ms apart: every second one finds the bucket empty again.
--- http_config
    orderhooks_limit_zone t2:64k rate=2r/s burst=1;
--- config
    root $TEST_NGINX_SERVER_ROOT/html;
    location = /t {
        orderhooks_limit zone=t2;
        try_files /t.txt =404;
    }
--- user_files
>>> t.txt
ok
--- request eval
[("GET /t") x 5]
--- wait: 0.3
--- error_code eval
[200, 429, 200, 429, 200]



=== TEST 3: the log level of a limited request is configurable
--- http_config
    orderhooks_limit_zone t3:64k rate=1r/m burst=1;
--- config
    root $TEST_NGINX_SERVER_ROOT/html;
    location = /t {
        orderhooks_limit zone=t3;
        orderhooks_limit_log_level notice;
        try_files /t.txt =404;
    }
--- user_files
>>> t.txt
ok
--- request eval
["GET /t", "GET /t"]
--- error_code eval
[200, 429]
--- log_after_last eval
qr/\[notice\] .*orderhooks: limiting requests from 127\.0\.0\.1 in zone "t3", retry after 60 s/
--- no_error_log
[warn]
[error]



=== TEST 4: clients are told apart by their address after realip
--- http_config
    orderhooks_limit_zone t4:64k rate=1r/m burst=1;
--- config
    root $TEST_NGINX_SERVER_ROOT/html;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    location = /t {
        orderhooks_limit zone=t4;
        try_files /t.txt =404;
    }
--- user_files
>>> t.txt
ok
--- request eval
[("GET /t") x 5]
--- more_headers eval
["X-Forwarded-For: 192.0.2.1", "X-Forwarded-For: 192.0.2.1",
 "X-Forwarded-For: 192.0.2.2", "X-Forwarded-For: 2001:db8::1",
 "X-Forwarded-For: 2001:db8::1"]
--- error_code eval
[200, 429, 200, 200, 429]
--- log_after_last
orderhooks: limiting requests from 2001:db8::1 in zone "t4"
--- no_error_log
[error]



=== TEST 5: a full zone evicts its least recently used clients, never fails
Zone of 8 pages: far fewer than 600 clients fit.  The first client is
limited, then forgotten once 600 others came by, so it is served again.
--- http_config
    orderhooks_limit_zone t5:32k rate=1r/m burst=1;
--- config
    root $TEST_NGINX_SERVER_ROOT/html;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    location = /t {
        orderhooks_limit zone=t5;
        try_files /t.txt =404;
    }
--- user_files
>>> t.txt
ok
--- request eval
[("GET /t") x 603]
--- more_headers eval
["X-Forwarded-For: 10.0.0.1", "X-Forwarded-For: 10.0.0.1",
 (map { "X-Forwarded-For: 10.1." . int($_ / 250) . "." . ($_ % 250) }
  0 .. 599),
 "X-Forwarded-For: 10.0.0.1"]
--- error_code eval
[200, 429, (200) x 600, 200]
--- timeout: 30
--- no_error_log
[error]
[crit]
[alert]



=== TEST 6: failed signatures spend the failure budget; then even a valid one is turned away
fail_burst=2: two bad signatures are answered 401 and recorded as
rejected; after that the client gets 429 before its body is read, and
nothing more is recorded, not even the validly signed request.
--- http_config
    orderhooks_limit_zone t6:64k rate=100r/s burst=100 fail_rate=1r/m fail_burst=2;
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source t050_6_$TEST_NGINX_RUN;
        orderhooks_limit zone=t6;
    }
--- request eval
main::requests(main::forged(1), main::forged(2), main::forged(3), main::signed(4))
--- more_headers eval
main::headers(main::forged(1), main::forged(2), main::forged(3), main::signed(4))
--- error_code eval
[401, 401, 429, 429]
--- response_headers eval
["!Retry-After", "!Retry-After", "Retry-After: 60", "Retry-After: 60"]
--- sql eval
main::rows("t050_6_$::RUN")
--- sql_result: 0|2
--- log_after_last
orderhooks: limiting failed requests from 127.0.0.1 in zone "t6", retry after 60 s
--- no_error_log
[error]



=== TEST 7: verified traffic never touches the failure budget
fail_burst=1, yet four valid webhooks pass: they spend only the request
budget (burst=4); the fifth is over it.
--- http_config
    orderhooks_limit_zone t7:64k rate=1r/m burst=4 fail_rate=1r/m fail_burst=1;
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source t050_7_$TEST_NGINX_RUN;
        orderhooks_limit zone=t7;
    }
--- request eval
main::requests(map { main::signed("7_$_") } 1 .. 5)
--- more_headers eval
main::headers(map { main::signed("7_$_") } 1 .. 5)
--- error_code eval
[200, 200, 200, 200, 429]
--- sql eval
main::rows("t050_7_$::RUN")
--- sql_result: 4|0
--- log_after_last
orderhooks: limiting requests from 127.0.0.1 in zone "t7", retry after 60 s
--- no_error_log
[error]



=== TEST 8: the default budget is 120 requests a minute, a minute's worth at once
One connection, pipelined: fast enough that the bucket leaks nothing.
--- http_config
    orderhooks_limit_zone t8:64k;
--- config
    root $TEST_NGINX_SERVER_ROOT/html;
    location = /t {
        orderhooks_limit zone=t8;
        try_files /t.txt =404;
    }
--- user_files
>>> t.txt
ok
--- request
GET /t
--- pipelined_requests eval
[("GET /t") x 122]
--- error_code eval
[(200) x 120, 429, 429]
--- response_headers eval
[("!Retry-After") x 120, ("Retry-After: 1") x 2]
--- timeout: 20
--- no_error_log
[error]



=== TEST 9: inherited from server level, switched off nowhere else
--- http_config
    orderhooks_limit_zone t9:64k rate=1r/m burst=1;
--- config
    root $TEST_NGINX_SERVER_ROOT/html;
    orderhooks_limit zone=t9;
    location = /a {
        try_files /t.txt =404;
    }
    location = /b {
        try_files /t.txt =404;
    }
--- user_files
>>> t.txt
ok
--- request eval
["GET /a", "GET /b", "GET /a"]
--- error_code eval
[200, 429, 429]
--- no_error_log
[error]



=== TEST 10: an unknown rate unit is refused at startup
--- http_config
    orderhooks_limit_zone bad:64k rate=5r/h;
--- config
    location = /t {
        return 200;
    }
--- must_die
--- error_log
invalid parameter "rate=5r/h"



=== TEST 11: a zone that is referred to but never defined is refused
--- config
    location = /t {
        orderhooks_limit zone=nowhere;
        return 200;
    }
--- must_die
--- error_log
zero size shared memory zone "nowhere"



=== TEST 12: a zone smaller than 8 pages is refused
--- http_config
    orderhooks_limit_zone tiny:4k;
--- config
    location = /t {
        return 200;
    }
--- must_die
--- error_log
invalid zone size "tiny:4k"



=== TEST 13: two zones of one name are refused
--- http_config
    orderhooks_limit_zone twice:64k;
    orderhooks_limit_zone twice:64k;
--- config
    location = /t {
        return 200;
    }
--- must_die
--- error_log
orderhooks_limit_zone "twice" is duplicate
