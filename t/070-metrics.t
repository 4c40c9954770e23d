# Metrics: Prometheus text, counted in shared memory across nginx workers.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

repeat_each(1);
no_shuffle();
no_long_string();
workers(2);
master_on();

our $RUN = sprintf '%d%05d', time, $$;
$ENV{TEST_NGINX_RUN} = $RUN;

sub body {
    my ($n, $pad) = @_;
    return qq({"event":"order.paid","event_id":"t070_${n}_$::RUN")
         . ($pad ? qq(,"pad":"$pad") : '') . '}';
}

sub signed { 'X-Signature: ' . generic_sig('s3cret', $_[0]) }

# Every sample line of a metrics page is "name{labels} value", and every
# family has HELP and TYPE lines.
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if $dry_run || !defined $block->prometheus;
    my $reqs = $block->request;
    return if ref $reqs eq 'ARRAY' && $req_idx != $#$reqs;
    my (%type, @bad);
    for my $line (split /\n/, $body // '') {
        if ($line =~ /^# TYPE (\w+) (counter|gauge|histogram)$/) {
            $type{$1} = $2;
            next;
        }
        next if $line =~ /^# HELP \w+ \S/;
        if ($line !~ /^(\w+?)(?:_bucket|_sum|_count)?(?:\{(?:\w+="(?:[^"\\]|\\.)*",?)+\})? \d+(?:\.\d+)?$/
            || !exists $type{$1} && !exists $type{
                   ($line =~ /^(\w+)/)[0]})
        {
            push @bad, $line;
        }
    }
    is(join("\n", @bad), '', $block->name . ' - valid Prometheus text');
});

run_tests();

__DATA__

=== TEST 1: webhooks by source and outcome, latency, pool: exact, across two workers
burst=7: recorded x3, duplicate, invalid x2 and empty use the client's
budget; too large (413) is refused by nginx before any budget is looked
at; the request after it is rate limited.  Two workers with the default
pool of 4 connections each: 8 open.
--- http_config
    orderhooks_limit_zone t1:64k rate=1r/m burst=7 fail_burst=100;
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source t070_$TEST_NGINX_RUN;
        orderhooks_limit zone=t1;
        client_max_body_size 200;
    }
    location = /metrics {
        orderhooks_metrics;
    }
--- init
sleep 1.2;
--- request eval
[(map { "POST /wh\n" . main::body($_) } 1, 2, 3, 1),
 "POST /wh\n" . main::body(5), "POST /wh\n" . main::body(6),
 "POST /wh\n",
 "POST /wh\n" . main::body(8, 'x' x 300),
 "POST /wh\n" . main::body(9),
 "GET /metrics"]
--- more_headers eval
[(map { main::signed(main::body($_)) } 1, 2, 3, 1),
 "X-Signature: bad", "X-Signature: bad", "X-Signature: bad",
 main::signed(main::body(8, 'x' x 300)), main::signed(main::body(9)), ""]
--- error_code eval
[200, 200, 200, 200, 401, 401, 400, 413, 429, 200]
--- response_headers eval
[("") x 9, "Content-Type: text/plain; version=0.0.4; charset=utf-8"]
--- response_body_like eval
[("") x 9, qr/
^orderhooks_webhooks_total\{source="t070_\d+",outcome="recorded"\} 3
orderhooks_webhooks_total\{source="t070_\d+",outcome="duplicate"\} 1
orderhooks_webhooks_total\{source="t070_\d+",outcome="invalid_signature"\} 2
orderhooks_webhooks_total\{source="t070_\d+",outcome="empty_body"\} 1
orderhooks_webhooks_total\{source="t070_\d+",outcome="rate_limited"\} 1
orderhooks_webhooks_total\{source="t070_\d+",outcome="too_large"\} 1
orderhooks_webhooks_total\{source="t070_\d+",outcome="db_unavailable"\} 0
.*
orderhooks_intake_duration_seconds_bucket\{source="t070_\d+",le="10"\} 7
orderhooks_intake_duration_seconds_bucket\{source="t070_\d+",le="\+Inf"\} 7
orderhooks_intake_duration_seconds_sum\{source="t070_\d+"\} \d+\.\d{6}
orderhooks_intake_duration_seconds_count\{source="t070_\d+"\} 7
.*
orderhooks_db_errors_total\{kind="connection"\} 0
orderhooks_db_errors_total\{kind="statement"\} 0
orderhooks_db_errors_total\{kind="timeout"\} 0
.*
orderhooks_db_connections_open 8
.*
orderhooks_db_connections_in_use 0
.*
orderhooks_db_requests_waiting 0
$/ms]
--- prometheus
--- no_error_log
[alert]
[crit]



=== TEST 2: two sources, label values escaped, names in order
--- config
    location = /a {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source 'first "quoted" \\ source';
    }
    location = /b {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source second;
    }
    location = /metrics {
        orderhooks_metrics;
    }
--- request eval
["POST /b\n" . main::body(21), "GET /metrics"]
--- more_headers eval
[main::signed(main::body(21)), ""]
--- error_code eval
[200, 200]
--- response_body_like eval
["", qr/
^orderhooks_webhooks_total\{source="first \\"quoted\\" \\\\ source",outcome="recorded"\} 0
.*
^orderhooks_webhooks_total\{source="second",outcome="recorded"\} 1
/ms]
--- prometheus



=== TEST 3: database down: db_unavailable and connection errors counted
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source t070_3_$TEST_NGINX_RUN;
    }
    location = /metrics {
        orderhooks_metrics;
    }
--- init
pg_stop();
sleep 0.5;
--- request eval
["POST /wh\n" . main::body(31), "GET /metrics"]
--- more_headers eval
[main::signed(main::body(31)), ""]
--- error_code eval
[503, 200]
--- response_body_like eval
["", qr/
^orderhooks_webhooks_total\{source="t070_3_\d+",outcome="db_unavailable"\} 1
.*
^orderhooks_db_errors_total\{kind="connection"\} [1-9]\d*
.*
^orderhooks_db_connections_open 0
/ms]
--- prometheus



=== TEST 4: (the database comes back for the suites that follow)
--- config
    location = /metrics {
        orderhooks_metrics;
    }
--- init
pg_start();
sleep 1.5;
--- request
GET /metrics
--- error_code: 200
--- response_body_like eval
qr/^orderhooks_db_connections_open 8$/m
--- prometheus



=== TEST 5: only GET and HEAD
--- config
    location = /metrics {
        orderhooks_metrics;
    }
--- request
DELETE /metrics
--- error_code: 405
