# Webhook intake: verification per provider, recording, idempotency, rejects.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

use Digest::SHA qw(sha256_hex);

repeat_each(1);
no_shuffle();
no_long_string();

# Every run uses fresh event ids, so the suite can run against a database
# that still holds rows from an earlier run.
our $RUN = sprintf '%d%05d', time, $$;

our %ID = map { $_ => "evt_${_}_$::RUN" }
          qw(generic stripe stale razorpay svix std shopify github genuine
             rotated envsecret filesecret spooled large);

sub jbody {
    my ($id, %extra) = @_;
    my $json = qq({"event":"order.paid","event_id":"$id","order_number":)
             . qq("DS-$::RUN","amount":129.99,"currency":"USD")
             . join('', map { qq(,"$_":"$extra{$_}") } sort keys %extra)
             . '}';
    return $json;
}

our %B = (
    generic  => jbody($ID{generic}),
    stripe   => qq({"id":"$ID{stripe}","object":"event",)
              . qq("type":"payment_intent.succeeded","data":{"object":{}}}),
    stale    => qq({"id":"$ID{stale}","type":"payment_intent.succeeded"}),
    razorpay => qq({"entity":"event","event":"payment.captured",)
              . qq("payload":{}}),
    svix     => qq({"type":"payment","data":{"id":"$::RUN"}}),
    shopify  => qq({"id":5957828194332,"name":"#9543"}),
    github   => qq({"action":"completed"}),
    noid     => qq({"event":"order.paid","order_number":"DS-$::RUN-x"}),
    genuine  => jbody($ID{genuine}),
    forged   => jbody($ID{genuine}, note => 'forged'),
    rotated  => jbody($ID{rotated}),
    env      => jbody($ID{envsecret}),
    file     => jbody($ID{filesecret}),
    spooled  => jbody($ID{spooled}, pad => 'x' x 300_000),
    large    => jbody($ID{large}, pad => 'y' x 4096),
    ship     => qq({"awb":"1904$::RUN","courier_name":"Delhivery",)
              . qq("current_status":"IN TRANSIT","order_id":"DS-$::RUN"}),
);

$ENV{OH_TEST_ENV_SECRET} = "env-secret-$::RUN";

our $SECRET_FILE = "/tmp/orderhooks-t010-secret-$$";
open my $fh, '>', $SECRET_FILE or die "$SECRET_FILE: $!";
print $fh "file-secret-$::RUN\n";
close $fh;
$ENV{TEST_NGINX_SECRET_FILE} = $SECRET_FILE;
END { unlink $SECRET_FILE if defined $SECRET_FILE }

sub row {
    my ($source, $id, $cols) = @_;
    $cols //= 'provider, event_type, state, attempts';
    return "SELECT $cols FROM orderhooks.webhook_events WHERE source = "
         . sql_quote($source) . ' AND event_id = ' . sql_quote($id)
         . " AND state <> 'rejected'";
}

# --- body_id_sql: the "id" in the response body must be the row this query
# finds (checked when the response arrives, not when the file is parsed).
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if $dry_run || !defined $block->body_id_sql;
    my ($got) = $body =~ /"id":(\d+)/;
    is($got, sql($block->body_id_sql),
       $block->name . " - the reply names the original row");
});

run_tests();

__DATA__

=== TEST 1: generic: a signed webhook is recorded verbatim, credentials redacted
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
"POST /wh/generic\n$::B{generic}"
--- more_headers eval
"X-Signature: " . generic_sig('s3cret', $::B{generic}) . "
Authorization: Bearer very-secret-token
Cookie: session=abc
X-Api-Key: key-123
X-Trace: kept"
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"status":"recorded","id":\d+\}$
--- sql eval
::row('generic', $::ID{generic}, "provider, event_type, state, attempts, "
    . "remote_addr, body = convert_to(" . sql_quote($::B{generic})
    . ", 'UTF8'), body_size, headers->>'authorization', headers->>'cookie', "
    . "headers->>'x-api-key', headers->>'x-trace', next_attempt_at <= now()")
--- sql_result eval
"generic|order.paid|pending|0|127.0.0.1|t|" . length($::B{generic})
. "|[redacted]|[redacted]|[redacted]|kept|t"
--- no_error_log
[error]
[warn]



=== TEST 2: generic: the same delivery again is a duplicate naming the first row
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
"POST /wh/generic\n$::B{generic}"
--- more_headers eval
"X-Signature: " . generic_sig('s3cret', $::B{generic})
--- error_code: 200
--- response_body_like: ^\{"status":"duplicate","id":\d+\}$
--- body_id_sql eval
::row('generic', $::ID{generic}, 'id')
--- sql eval
"SELECT count(*) FROM orderhooks.webhook_events WHERE event_id = "
. sql_quote($::ID{generic})
--- sql_result: 1
--- no_error_log
[error]



=== TEST 3: stripe: event id and type come from the body
--- config
    location = /wh/stripe {
        orderhooks stripe;
        orderhooks_secret whsec_t010;
    }
--- request eval
"POST /wh/stripe\n$::B{stripe}"
--- more_headers eval
"Stripe-Signature: " . stripe_sig_header('whsec_t010', $::B{stripe})
--- error_code: 200
--- response_body_like: ^\{"status":"recorded","id":\d+\}$
--- sql eval
::row('stripe', $::ID{stripe})
--- sql_result
stripe|payment_intent.succeeded|pending|0
--- no_error_log
[error]



=== TEST 4: stripe: a stale timestamp gets 401, a warn line, and a rejected row
--- config
    location = /wh/stripe {
        orderhooks stripe;
        orderhooks_secret whsec_t010;
    }
--- request eval
"POST /wh/stripe\n$::B{stale}"
--- more_headers eval
"Stripe-Signature: " . stripe_sig_header('whsec_t010', $::B{stale}, time - 400)
--- error_code: 401
--- response_body
{"error":"invalid_signature","reason":"timestamp_out_of_tolerance"}
--- error_log
orderhooks: rejected stripe webhook for source "stripe": timestamp_out_of_tolerance
--- no_error_log
whsec_t010
[error]
--- sql eval
"SELECT state, reject_reason, remote_addr, body_size = length(body) "
. "FROM orderhooks.webhook_events WHERE event_id = " . sql_quote($::ID{stale})
--- sql_result
rejected|timestamp_out_of_tolerance|127.0.0.1|t



=== TEST 5: a tolerance of 500s accepts the same 400s-old signature
--- config
    location = /wh/stripe {
        orderhooks stripe;
        orderhooks_secret whsec_t010;
        orderhooks_tolerance 500s;
    }
--- request eval
"POST /wh/stripe\n$::B{stale}"
--- more_headers eval
"Stripe-Signature: " . stripe_sig_header('whsec_t010', $::B{stale}, time - 400)
--- error_code: 200
--- response_body_like: ^\{"status":"recorded","id":\d+\}$
--- no_error_log
[warn]



=== TEST 6: a forged request carrying a genuine event id does not occupy it
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
["POST /wh/generic\n$::B{forged}", "POST /wh/generic\n$::B{genuine}"]
--- more_headers eval
["X-Signature: " . generic_sig('wrong', $::B{forged}),
 "X-Signature: " . generic_sig('s3cret', $::B{genuine})]
--- error_code eval
[401, 200]
--- response_body_like eval
[qr/^\{"error":"invalid_signature","reason":"signature_mismatch"\}$/,
 qr/^\{"status":"recorded","id":\d+\}$/]
--- sql eval
"SELECT state FROM orderhooks.webhook_events WHERE event_id = "
. sql_quote($::ID{genuine}) . " ORDER BY id"
--- sql_result
rejected
pending



=== TEST 7: razorpay: event id from X-Razorpay-Event-Id, type from $.event
--- config
    location = /wh/razorpay {
        orderhooks razorpay;
        orderhooks_secret rzp_secret;
    }
--- request eval
"POST /wh/razorpay\n$::B{razorpay}"
--- more_headers eval
"X-Razorpay-Signature: " . razorpay_sig('rzp_secret', $::B{razorpay}) . "
X-Razorpay-Event-Id: $::ID{razorpay}"
--- error_code: 200
--- response_body_like: ^\{"status":"recorded","id":\d+\}$
--- sql eval
::row('razorpay', $::ID{razorpay})
--- sql_result
razorpay|payment.captured|pending|0



=== TEST 8: stitch: svix-* headers, event id from svix-id
--- config
    location = /wh/stitch {
        orderhooks stitch;
        orderhooks_secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw;
    }
--- request eval
"POST /wh/stitch\n$::B{svix}"
--- more_headers eval
svix_headers('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', $::ID{svix}, time,
             $::B{svix})
--- error_code: 200
--- response_body_like: ^\{"status":"recorded","id":\d+\}$
--- sql eval
::row('stitch', $::ID{svix})
--- sql_result
stitch|payment|pending|0



=== TEST 9: stitch: the Standard Webhooks header names work the same way
--- config
    location = /wh/stitch {
        orderhooks stitch;
        orderhooks_secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw;
    }
--- request eval
"POST /wh/stitch\n$::B{svix}"
--- more_headers eval
standard_webhook_headers('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', $::ID{std},
                         time, $::B{svix})
--- error_code: 200
--- sql eval
::row('stitch', $::ID{std})
--- sql_result
stitch|payment|pending|0



=== TEST 10: shopify and github: event ids from their delivery headers
--- config
    location = /wh/shopify {
        orderhooks shopify;
        orderhooks_secret shpss_t010;
    }
    location = /wh/github {
        orderhooks github;
        orderhooks_secret gh_t010;
    }
--- request eval
["POST /wh/shopify\n$::B{shopify}", "POST /wh/github\n$::B{github}"]
--- more_headers eval
["X-Shopify-Hmac-Sha256: " . shopify_sig('shpss_t010', $::B{shopify}) . "
X-Shopify-Topic: orders/paid
X-Shopify-Shop-Domain: t010.myshopify.com
X-Shopify-API-Version: 2026-10
X-Shopify-Webhook-Id: $::ID{shopify}",
 "X-Hub-Signature-256: " . github_sig('gh_t010', $::B{github}) . "
X-GitHub-Event: check_run
X-GitHub-Delivery: $::ID{github}"]
--- error_code eval
[200, 200]
--- sql eval
"SELECT provider, event_type FROM orderhooks.webhook_events WHERE event_id IN ("
. sql_quote($::ID{shopify}) . ", " . sql_quote($::ID{github}) . ") ORDER BY id"
--- sql_result
shopify|orders/paid
github|check_run



=== TEST 11: shiprocket: the x-api-key token is checked and never stored
--- config
    location = /wh/shiprocket {
        orderhooks shiprocket;
        orderhooks_secret sr-token-t010;
    }
--- request eval
["POST /wh/shiprocket\n$::B{ship}", "POST /wh/shiprocket\n$::B{ship}"]
--- more_headers eval
["x-api-key: sr-token-wrong", "x-api-key: sr-token-t010"]
--- error_code eval
[401, 200]
--- response_body_like eval
[qr/"reason":"signature_mismatch"/, qr/"status":"recorded"/]
--- sql eval
"SELECT state, event_id = 'sha256:' || encode(sha256(body), 'hex'), "
. "headers->>'x-api-key' FROM orderhooks.webhook_events "
. "WHERE source = 'shiprocket' AND body = convert_to(" . sql_quote($::B{ship})
. ", 'UTF8') ORDER BY id"
--- sql_result
rejected|t|[redacted]
pending|t|[redacted]
--- log_level: info
--- no_error_log
sr-token



=== TEST 12: generic without an event id: the id is the SHA-256 of the body
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request eval
"POST /wh/generic\n$::B{noid}"
--- more_headers eval
"X-Signature: " . generic_sig('s3cret', $::B{noid})
--- error_code: 200
--- sql eval
::row('generic', 'sha256:' . Digest::SHA::sha256_hex($::B{noid}), 'state')
--- sql_result
pending



=== TEST 13: rotation: a request signed with the second secret is valid
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret old-secret;
        orderhooks_secret new-secret;
    }
--- request eval
"POST /wh/generic\n$::B{rotated}"
--- more_headers eval
"X-Signature: " . generic_sig('new-secret', $::B{rotated})
--- error_code: 200
--- response_body_like: "status":"recorded"



=== TEST 14: secrets from env:NAME and file:/path, and a configured source name
--- config
    location = /wh/env {
        orderhooks generic;
        orderhooks_source shop_eu;
        orderhooks_secret env:OH_TEST_ENV_SECRET;
    }
    location = /wh/file {
        orderhooks generic;
        orderhooks_secret file:$TEST_NGINX_SECRET_FILE;
    }
--- request eval
["POST /wh/env\n$::B{env}", "POST /wh/file\n$::B{file}"]
--- more_headers eval
["X-Signature: " . generic_sig("env-secret-$::RUN", $::B{env}),
 "X-Signature: " . generic_sig("file-secret-$::RUN", $::B{file})]
--- error_code eval
[200, 200]
--- sql eval
"SELECT source FROM orderhooks.webhook_events WHERE event_id IN ("
. sql_quote($::ID{envsecret}) . ", " . sql_quote($::ID{filesecret})
. ") ORDER BY id"
--- sql_result
shop_eu
generic



=== TEST 15: wrong method: 405 with Allow: POST
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
--- request
GET /wh/generic
--- error_code: 405
--- response_headers
Allow: POST
--- response_body
{"error":"method_not_allowed"}



=== TEST 16: empty body: 400, recorded as rejected
--- config
    location = /wh/empty {
        orderhooks generic;
        orderhooks_source empty_t010;
        orderhooks_secret s3cret;
    }
--- request
POST /wh/empty
--- more_headers
X-Signature: 00
--- error_code: 400
--- response_body
{"error":"empty_body"}
--- sql
SELECT state, reject_reason, body_size FROM orderhooks.webhook_events
WHERE source = 'empty_t010' ORDER BY id DESC LIMIT 1
--- sql_result
rejected|empty_body|0



=== TEST 17: a body spooled to a temporary file verifies and is stored exactly
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret s3cret;
        client_body_buffer_size 1k;
        client_max_body_size 1m;
    }
--- request eval
"POST /wh/generic\n$::B{spooled}"
--- more_headers eval
"X-Signature: " . generic_sig('s3cret', $::B{spooled})
--- error_code: 200
--- response_body_like: "status":"recorded"
--- sql eval
::row('generic', $::ID{spooled}, "body_size, encode(sha256(body), 'hex')")
--- sql_result eval
length($::B{spooled}) . '|' . Digest::SHA::sha256_hex($::B{spooled})
--- error_log
a client request body is buffered to a temporary file



=== TEST 18: larger than client_max_body_size: 413 and nothing recorded
--- config
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret s3cret;
        client_max_body_size 1k;
    }
--- request eval
"POST /wh/generic\n$::B{large}"
--- more_headers eval
"X-Signature: " . generic_sig('s3cret', $::B{large})
--- error_code: 413
--- sql eval
"SELECT count(*) FROM orderhooks.webhook_events WHERE event_id = "
. sql_quote($::ID{large})
--- sql_result: 0



=== TEST 19: a location with orderhooks but no secret fails nginx -t
--- config
    location = /wh/nosecret {
        orderhooks stripe;
    }
--- must_die
--- error_log
"orderhooks stripe" needs at least one "orderhooks_secret" in its location or above



=== TEST 20: an unknown provider fails with a clear message
--- config
    location = /wh/x {
        orderhooks paypal;
        orderhooks_secret s;
    }
--- must_die
--- error_log
invalid provider "paypal", expected stripe, razorpay, stitch, shiprocket, generic, shopify or github



=== TEST 21: a stitch secret that is not whsec_ + base64 fails nginx -t
--- config
    location = /wh/stitch {
        orderhooks stitch;
        orderhooks_secret not-a-svix-secret;
    }
--- must_die
--- error_log
"orderhooks_secret" number 1 cannot be used by "orderhooks stitch"



=== TEST 22: orderhooks without orderhooks_db fails with a clear message
--- no_db
--- config
    location = /wh/x {
        orderhooks generic;
        orderhooks_secret s;
    }
--- must_die
--- error_log
"orderhooks generic" needs "orderhooks_db" in the http block
