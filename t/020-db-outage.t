# Database loss and recovery, and a saturated pool: 503 + Retry-After, never a
# half-written or lost webhook, and recovery without restarting nginx.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

use POSIX ();
use Time::HiRes qw(sleep time);

repeat_each(1);
no_shuffle();
no_long_string();

our $LOCKER;
our $RUN = sprintf '%d%05d', time, $$;

sub body { my ($tag) = @_; return qq({"event":"order.paid","event_id":"$tag-$::RUN"}) }

sub post {
    my ($tag) = @_;
    my $b = body($tag);
    return ("POST /wh\n$b", 'X-Signature: ' . generic_sig('s3cret', $b));
}

# --- between_requests: one action per gap between the block's requests,
# run right after the response before it: "stop" / "start" the database,
# "sleep:<seconds>", or "-" for nothing.  Runs when the response arrives,
# so the database changes while the same nginx keeps running.
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if $dry_run || !defined $block->between_requests;
    my @actions = split ' ', $block->between_requests;
    my $action = $actions[$req_idx] // '-';
    if ($action eq 'stop') {
        pg_stop();
    } elsif ($action eq 'start') {
        pg_start();
        # the pool retries at most one second apart
        sleep 1.5;
    } elsif ($action =~ /^sleep:([\d.]+)$/) {
        sleep $1;
    }
});

# lock_table_for($seconds): another session holds an exclusive lock on the
# intake table, so inserts wait; returns once the lock is held.
sub lock_table_for {
    my ($secs) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        sql("BEGIN; LOCK TABLE orderhooks.webhook_events IN ACCESS EXCLUSIVE "
            . "MODE; SELECT pg_sleep($secs); COMMIT;");
        POSIX::_exit(0);
    }
    for (1 .. 100) {
        last if sql("SELECT count(*) FROM pg_locks l JOIN pg_class c "
                    . "ON c.oid = l.relation WHERE c.relname = "
                    . "'webhook_events' AND l.mode = 'AccessExclusiveLock' "
                    . "AND l.granted") eq '1';
        sleep 0.05;
    }
    return $pid;
}

run_tests();

__DATA__

=== TEST 1: the database goes away and comes back under one running nginx
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
[(::post('before'))[0], (::post('during'))[0], (::post('after'))[0]]
--- more_headers eval
[(::post('before'))[1], (::post('during'))[1], (::post('after'))[1]]
--- between_requests: stop start
--- error_code eval
[200, 503, 200]
--- response_body_like eval
[qr/^\{"status":"recorded","id":\d+\}$/,
 qr/^\{"error":"database_unavailable"\}$/,
 qr/^\{"status":"recorded","id":\d+\}$/]
--- sql eval
"SELECT split_part(event_id, '-', 1) FROM orderhooks.webhook_events "
. "WHERE event_id LIKE '%-$::RUN' ORDER BY id"
--- sql_result
before
after



=== TEST 2: while the database is down: 503 with Retry-After and a JSON error
--- init
pg_stop();
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
(::post('down'))[0]
--- more_headers eval
(::post('down'))[1]
--- error_code: 503
--- response_headers
Retry-After: 5
Content-Type: application/json
--- response_body
{"error":"database_unavailable"}
--- error_log eval
qr/orderhooks: database at ".*" unavailable \((connect|receive)\): /
--- no_error_log
[alert]



=== TEST 3: nginx started while the database was down recovers by itself
--- init
pg_stop() if pg_running();
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
[(::post('cold1'))[0], (::post('cold2'))[0]]
--- more_headers eval
[(::post('cold1'))[1], (::post('cold2'))[1]]
--- between_requests: start
--- error_code eval
[503, 200]
--- sql eval
"SELECT count(*) FROM orderhooks.webhook_events WHERE event_id IN "
. "('cold1-$::RUN', 'cold2-$::RUN')"
--- sql_result: 1



=== TEST 4: a saturated pool answers 503 after its timeout and logs why
--- http_config
    orderhooks_db "$TEST_NGINX_PG_CONNINFO" pool=1 timeout=300ms;
--- init
pg_start() if !pg_running();
$::LOCKER = ::lock_table_for(2);
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
(::post('slow'))[0]
--- more_headers eval
(::post('slow'))[1]
--- error_code: 503
--- response_body
{"error":"database_unavailable"}
--- error_log
orderhooks: no database answer within 300 ms
--- no_error_log
[alert]
[crit]



=== TEST 5: the retry of that webhook is recorded exactly once
--- init
waitpid($::LOCKER, 0) if $::LOCKER;
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
(::post('slow'))[0]
--- more_headers eval
(::post('slow'))[1]
--- error_code: 200
--- response_body_like: ^\{"status":"(recorded|duplicate)","id":\d+\}$
--- sql eval
"SELECT count(*) FROM orderhooks.webhook_events WHERE event_id = 'slow-$::RUN'"
--- sql_result: 1
