# Track your order: lookup API, no enumeration, limits, and the page in Chromium.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

use File::Temp qw(tempdir);

repeat_each(1);
no_shuffle();
no_long_string();

our $RUN = sprintf '%d%05d', time, $$;
our $ORDER = "T080-$RUN";
our $EMAIL = 'Ann.Buyer@Example.com';
$ENV{TEST_NGINX_RUN} = $RUN;

# One shipped order with a shipment and two scans; another customer's
# order next to it.  Created once; blocks only read them.
sql(q{
WITH o AS (
    INSERT INTO orderhooks.orders
        (order_number, customer_email, status, currency, total_minor,
         paid_minor, tracking_number, carrier, tracking_url, paid_at,
         shipped_at)
    VALUES (:'p1', 'Ann.Buyer@Example.com', 'shipped', 'USD', 12999, 12999,
            '1Z999AA1', 'UPS', 'https://track.example/1Z999AA1',
            '2024-05-01 10:00Z', '2024-05-02 08:30Z')
    RETURNING id
), s AS (
    INSERT INTO orderhooks.shipments
        (order_id, tracking_number, carrier, tracking_url, status,
         shipped_at)
    SELECT id, '1Z999AA1', 'UPS', 'https://track.example/1Z999AA1',
           'in_transit', '2024-05-02 08:30Z'
    FROM o RETURNING id
)
INSERT INTO orderhooks.tracking_events
    (shipment_id, status_code, status_label, description, location,
     occurred_at)
SELECT s.id, v.c, v.l, v.d, v.loc, v.t::timestamptz
FROM s, (VALUES
    ('in_transit', 'In transit', NULL, 'Delhi', '2024-05-03 12:00Z'),
    ('picked_up', 'Picked up', 'Picked up by carrier', 'Mumbai',
     '2024-05-02 08:30Z')) v(c, l, d, loc, t)
}, $ORDER);

sql(q{INSERT INTO orderhooks.orders
          (order_number, customer_email, status, currency, total_minor)
      VALUES (:'p1', 'bob@example.org', 'paid', 'EUR', 500)},
    "T080-$RUN-B");

our $FOUND = qq({"order_number":"$ORDER","status":"shipped",)
    . qq("shipped_at":"2024-05-02T08:30:00Z","delivered_at":null,)
    . qq("tracking_number":"1Z999AA1","carrier":"UPS",)
    . qq("tracking_url":"https://track.example/1Z999AA1","events":[)
    . qq({"time":"2024-05-02T08:30:00Z","status":"picked_up",)
    . qq("label":"Picked up","description":"Picked up by carrier",)
    . qq("location":"Mumbai"},)
    . qq({"time":"2024-05-03T12:00:00Z","status":"in_transit",)
    . qq("label":"In transit","description":null,"location":"Delhi"}]}\n);

our $NOT_FOUND = qq({"error":"not_found","message":"We could not find an )
    . qq(order with that number and email address."}\n);

sub q_ { my ($o, $e) = @_; return "order=$o&email=$e" }

# --- browser eval: [[query, qr/expected DOM/], ...]: loads the page from
# the running nginx in headless Chromium with that query string (the page
# looks up at once) and matches the DOM after its scripts ran.
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if $dry_run || !defined $block->browser;
    my $chromium = $ENV{OH_CHROMIUM} // 'chromium';
    my $profile = tempdir('oh-t080-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    for my $case (@{ $block->browser }) {
        my ($query, $want) = @$case;
        my $url = "http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}"
                . "/track/?$query";
        my @cmd = ($chromium, '--headless', '--no-sandbox', '--disable-gpu',
                   '--disable-dev-shm-usage', '--no-first-run',
                   "--user-data-dir=$profile",
                   '--virtual-time-budget=5000', '--dump-dom', $url);
        my $dom = '';
        if (open my $out, '-|', join(' ', map { "'$_'" } @cmd)
                                . ' 2>/dev/null')
        {
            $dom = do { local $/; <$out> } // '';
            close $out;
        }
        like($dom, $want, $block->name . " - the page shows it ($query)");
    }
});

run_tests();

__DATA__

=== TEST 1: GET: the order as JSON, exactly: no ids, amounts or emails; no-store
--- config
    location = /track/lookup {
        orderhooks_track;
    }
--- request eval
"GET /track/lookup?" . main::q_($::ORDER, 'Ann.Buyer%40Example.com')
--- error_code: 200
--- response_headers
Content-Type: application/json
Cache-Control: no-store
--- response_body eval
$::FOUND
--- no_error_log
[error]



=== TEST 2: POST form, the email in another case and with spaces
--- config
    location = /track/lookup {
        orderhooks_track;
    }
--- request eval
"POST /track/lookup\n" . main::q_("+$::ORDER+", '+ann.buyer%40EXAMPLE.com')
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- error_code: 200
--- response_body eval
$::FOUND



=== TEST 3: a wrong email and an unknown order get the same 404
--- config
    location = /track/lookup {
        orderhooks_track;
    }
--- request eval
["GET /track/lookup?" . main::q_($::ORDER, 'bob%40example.org'),
 "GET /track/lookup?" . main::q_("$::ORDER-nope", 'ann.buyer%40example.com'),
 "GET /track/lookup?" . main::q_("$::ORDER-B", 'ann.buyer%40example.com')]
--- error_code eval
[404, 404, 404]
--- response_headers eval
[("Cache-Control: no-store") x 3]
--- response_body eval
[($::NOT_FOUND) x 3]
--- no_error_log
[error]



=== TEST 4: a form that is not a lookup is a 400 naming what is wrong
--- config
    location = /track/lookup {
        orderhooks_track;
    }
--- request eval
["GET /track/lookup?order=$::ORDER",
 "GET /track/lookup?email=a%40b.c",
 "GET /track/lookup?order=a%27%3B--&email=a%40b.c",
 "GET /track/lookup?order=A1&email=nobody",
 "DELETE /track/lookup"]
--- error_code eval
[400, 400, 400, 400, 405]
--- response_body_like eval
[qr/^\{"error":"missing_email","message":"/,
 qr/^\{"error":"missing_order",/, qr/^\{"error":"invalid_order",/,
 qr/^\{"error":"invalid_email",/, qr/^\{"error":"method_not_allowed",/]



=== TEST 5: per order number: guessing emails for one order is limited
Another order keeps its own budget; the lookups are not counted against
the client (no orderhooks_limit here).
--- http_config
    orderhooks_limit_zone per_order:64k rate=1r/m burst=3;
--- config
    location = /track/lookup {
        orderhooks_track;
        orderhooks_track_limit zone=per_order;
    }
--- request eval
[(map { "GET /track/lookup?" . main::q_($::ORDER, "guess$_%40example.com") }
  1 .. 3),
 "GET /track/lookup?" . main::q_(lc $::ORDER, 'ann.buyer%40example.com'),
 "GET /track/lookup?" . main::q_("$::ORDER-B", 'bob%40example.org')]
--- error_code eval
[404, 404, 404, 429, 200]
--- response_headers eval
[("") x 3, "Retry-After: 60", ""]
--- response_body_like eval
[("not_found") x 3, qr/^\{"error":"rate_limited","retry_after":60\}$/,
 qr/^\{"order_number":"T080-\d+-B","status":"paid",/]



=== TEST 6: per client: failed lookups spend its failure budget, for any order
--- http_config
    orderhooks_limit_zone per_ip:64k rate=100r/s burst=100 fail_rate=1r/m fail_burst=2;
--- config
    location = /track/lookup {
        orderhooks_track;
        orderhooks_limit zone=per_ip;
    }
--- request eval
["GET /track/lookup?" . main::q_("$::ORDER-x1", 'a%40b.c'),
 "GET /track/lookup?" . main::q_("$::ORDER-x2", 'a%40b.c'),
 "GET /track/lookup?" . main::q_($::ORDER, 'ann.buyer%40example.com')]
--- error_code eval
[404, 404, 429]



=== TEST 7: lookups are counted in the metrics
--- config
    location = /track/lookup {
        orderhooks_track;
    }
    location = /metrics {
        orderhooks_metrics;
    }
--- request eval
["GET /track/lookup?" . main::q_($::ORDER, 'ann.buyer%40example.com'),
 "GET /track/lookup?" . main::q_($::ORDER, 'x%40example.com'),
 "GET /track/lookup?order=$::ORDER",
 "GET /metrics"]
--- error_code eval
[200, 404, 400, 200]
--- response_body_like eval
["", "", "", qr/^orderhooks_track_lookups_total\{outcome="found"\} 1
orderhooks_track_lookups_total\{outcome="not_found"\} 1
orderhooks_track_lookups_total\{outcome="invalid"\} 1
orderhooks_track_lookups_total\{outcome="rate_limited"\} 0
orderhooks_track_lookups_total\{outcome="db_unavailable"\} 0$/m]



=== TEST 8: the page in headless Chromium: a real order, then a wrong email
The static page is served by nginx from html/; it posts the form to
/track/lookup and renders the answer.
--- config
    location /track/ {
        root $TEST_NGINX_REPO/html;
    }
    location = /track/lookup {
        orderhooks_track;
    }
--- request
GET /track/
--- error_code: 200
--- response_body_like: <form id="lookup" action="lookup" method="post"
--- browser eval
[[main::q_($::ORDER, 'ann.buyer%40example.com'),
  qr{<p class="status" id="status" data-status="shipped">Shipped</p>.*<dd id="carrier">UPS</dd>.*<a id="tracking-link"(?![^>]*hidden)[^>]*href="https://track\.example/1Z999AA1"[^>]*>.*<ol class="timeline" id="timeline"><li>.*In transit.*Picked up}s],
 [main::q_($::ORDER, 'someone.else%40example.com'),
  qr{<p id="message" class="error">We could not find an order with that number and email address\.</p>}]]
--- timeout: 30
--- no_error_log
[error]



=== TEST 9: database down: 503, not a 404
--- config
    location = /track/lookup {
        orderhooks_track;
    }
--- init
pg_stop();
sleep 0.5;
--- request eval
"GET /track/lookup?" . main::q_($::ORDER, 'ann.buyer%40example.com')
--- error_code: 503
--- response_headers
Cache-Control: no-store
Retry-After: 5
--- response_body_like: database_unavailable



=== TEST 10: (the database comes back for the suites that follow)
--- config
    location = /track/lookup {
        orderhooks_track;
    }
--- init
pg_start();
sleep 1.5;
--- request eval
"GET /track/lookup?" . main::q_($::ORDER, 'ann.buyer%40example.com')
--- error_code: 200
