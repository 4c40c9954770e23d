# Health: database, queue and sources as JSON; 503 without a database; cache.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

repeat_each(1);
no_shuffle();
no_long_string();

our $RUN = sprintf '%d%05d', time, $$;
$ENV{TEST_NGINX_RUN} = $RUN;

sub body {
    my ($n) = @_;
    return qq({"event":"order.paid","event_id":"t060_${n}_$::RUN"});
}

# A known queue: the suite owns webhook_events while it runs (the suites
# run one after another against their own cluster).
sub queue_fixture {
    sql(q{DELETE FROM orderhooks.webhook_events});
    sql(q{INSERT INTO orderhooks.webhook_events
              (source, provider, event_id, body, body_size, state,
               received_at)
          SELECT 'fixture', 'generic', 'fx' || g || :'p1', '\x7b7d', 2,
                 (ARRAY['pending', 'pending', 'retry', 'dead',
                        'done'])[g],
                 now() - make_interval(secs => 100 * g)
          FROM generate_series(1, 5) g}, $::RUN);
}

run_tests();

__DATA__

=== TEST 1: the database and the queue, as JSON
Two pending (the oldest 100 s old), one retry, one dead, one done.
--- config
    location = /health {
        orderhooks_health;
    }
--- init
main::queue_fixture();
--- request
GET /health
--- error_code: 200
--- response_headers
Content-Type: application/json
Cache-Control: no-store
--- response_body_like: ^\{"status":"ok","database":\{"reachable":true,"round_trip_ms":\d+\},"queue":\{"pending":2,"retry":1,"dead":1,"oldest_pending_age_seconds":(?:200|201|202)\},"pool":\{"open":\d+,"in_use":\d+,"waiting":\d+\},"sources":\[\],"cache_age_ms":\d+\}$
--- no_error_log
[error]



=== TEST 2: a pending event older than orderhooks_health_max_age: degraded, still 200
--- config
    location = /health {
        orderhooks_health;
        orderhooks_health_max_age 150s;
    }
--- init
main::queue_fixture();
--- request
GET /health
--- error_code: 200
--- response_body_like: ^\{"status":"degraded","database":\{"reachable":true,.*"oldest_pending_age_seconds":20\d\}
--- no_error_log
[error]



=== TEST 3: answers are cached: a webhook recorded in between shows only later
orderhooks_health_cache 60s: the second report is the first one again,
though a webhook was recorded in between.
--- config
    location = /health {
        orderhooks_health;
        orderhooks_health_cache 60s;
    }
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source t060_$TEST_NGINX_RUN;
    }
--- init
sql(q{DELETE FROM orderhooks.webhook_events});
--- request eval
["GET /health", "POST /wh\n" . main::body(3), "GET /health"]
--- more_headers eval
["", "X-Signature: " . generic_sig('s3cret', main::body(3)), ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/"queue":\{"pending":0,/, qr/^\{"status":"recorded"/,
 qr/"queue":\{"pending":0,.*"sources":\[\{"source":"t060_\d+","last_success":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","recent_verification_failures":0\}\]/]
--- no_error_log
[error]



=== TEST 4: without the cache the same sequence shows the new event
--- config
    location = /health {
        orderhooks_health;
        orderhooks_health_cache 0;
    }
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source t060_$TEST_NGINX_RUN;
    }
--- init
sql(q{DELETE FROM orderhooks.webhook_events});
--- request eval
["GET /health", "POST /wh\n" . main::body(4), "GET /health"]
--- more_headers eval
["", "X-Signature: " . generic_sig('s3cret', main::body(4)), ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/"queue":\{"pending":0,/, qr/^\{"status":"recorded"/,
 qr/"queue":\{"pending":1,/]
--- no_error_log
[error]



=== TEST 5: per source: no success yet, and recent verification failures
--- config
    location = /health {
        orderhooks_health;
    }
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
        orderhooks_source t060_5_$TEST_NGINX_RUN;
    }
--- request eval
["POST /wh\n" . main::body(5), "POST /wh\n" . main::body(6), "GET /health"]
--- more_headers eval
["X-Signature: bad", "X-Signature: bad", ""]
--- error_code eval
[401, 401, 200]
--- response_body_like eval
[qr/invalid_signature/, qr/invalid_signature/,
 qr/"sources":\[\{"source":"t060_5_\d+","last_success":null,"recent_verification_failures":2\}\]/]



=== TEST 6: database down: 503, degraded, queue unknown
--- config
    location = /health {
        orderhooks_health;
    }
--- init
pg_stop();
--- request
GET /health
--- error_code: 503
--- response_body_like: ^\{"status":"degraded","database":\{"reachable":false\},"queue":null,"pool":\{"open":0,"in_use":0,"waiting":0\},"sources":\[\],"cache_age_ms":\d+\}$
--- timeout: 10



=== TEST 7: the database is back: ok again
nginx starts while the database is still down; the pool reconnects
within its backoff (at most a second).
--- config
    location = /health {
        orderhooks_health;
    }
--- init
pg_start();
sleep 2;
--- request
GET /health
--- error_code: 200
--- response_body_like: ^\{"status":"ok","database":\{"reachable":true



=== TEST 8: only GET and HEAD
--- config
    location = /health {
        orderhooks_health;
    }
--- request
POST /health
x
--- error_code: 405
