# End to end: a signed POST to nginx -> orderhooks-worker --once -> order
# state, for every provider: payments, refunds, tracking, duplicates,
# out-of-order updates, unknown orders retried then dead, malformed payloads
# and replay with orderhooks-admin.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

use IPC::Open3 qw(open3);
use Symbol qw(gensym);

repeat_each(1);
no_shuffle();
no_long_string();

# Fresh order numbers and event ids per run: the suite shares its database
# with the other suites and may meet rows of an earlier run.
our $RUN = sprintf '%d%05d', time, $$;
our $P = "E2E$RUN-";
our $TS = time;

our %SECRET = (
    stripe     => 'whsec_e2e_stripe',
    razorpay   => 'rzp_e2e_secret',
    stitch     => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    generic    => 'e2e-generic-secret',
    shiprocket => 'sr-e2e-token',
);

our $CONFIG = <<"END";
    orderhooks_tolerance 1h;
    location = /wh/stripe {
        orderhooks stripe;
        orderhooks_secret $SECRET{stripe};
    }
    location = /wh/razorpay {
        orderhooks razorpay;
        orderhooks_secret $SECRET{razorpay};
    }
    location = /wh/stitch {
        orderhooks stitch;
        orderhooks_secret $SECRET{stitch};
    }
    location = /wh/generic {
        orderhooks generic;
        orderhooks_secret $SECRET{generic};
    }
    location = /wh/tracking {
        orderhooks generic;
        orderhooks_source tracking;
        orderhooks_secret $SECRET{generic};
    }
    location = /wh/shiprocket {
        orderhooks shiprocket;
        orderhooks_secret $SECRET{shiprocket};
    }
END

# ---- deliveries ----------------------------------------------------------
# %D: name -> [uri, body, headers, source, event id]; the event id is the
# one the intake derives, so steps can find the row.

our %D;

sub stripe {
    my ($name, $type, $object) = @_;
    my $id = "evt_${name}_$::RUN";
    my $b = qq({"id":"$id","object":"event","type":"$type","created":$::TS,)
          . qq("data":{"object":$object}});
    $::D{$name} = ['/wh/stripe', $b, 'Stripe-Signature: '
        . stripe_sig_header($::SECRET{stripe}, $b, $::TS), 'stripe', $id];
}

sub razorpay {
    my ($name, $event, $payload) = @_;
    my $id = "rzp_${name}_$::RUN";
    my $b = qq({"entity":"event","account_id":"acc_e2e","event":"$event",)
          . qq("contains":["payment"],"payload":$payload,)
          . qq("created_at":$::TS});
    $::D{$name} = ['/wh/razorpay', $b, 'X-Razorpay-Signature: '
        . razorpay_sig($::SECRET{razorpay}, $b)
        . "\nX-Razorpay-Event-Id: $id", 'razorpay', $id];
}

sub stitch {
    my ($name, $type, $data) = @_;
    my $id = "msg_${name}_$::RUN";
    my $b = qq({"type":"$type","data":$data});
    my $h = svix_headers($::SECRET{stitch}, $id, $::TS, $b);
    $h =~ s/\n$//;
    $::D{$name} = ['/wh/stitch', $b, $h, 'stitch', $id];
}

sub generic {
    my ($name, $b, $uri, $source) = @_;
    my $id = $b =~ /"event_id":"([^"]+)"/ ? $1
           : 'sha256:' . Digest::SHA::sha256_hex($b);
    $::D{$name} = [$uri // '/wh/generic', $b, 'X-Signature: '
        . generic_sig($::SECRET{generic}, $b), $source // 'generic', $id];
}

sub tracking { generic($_[0], $_[1], '/wh/tracking', 'tracking') }

sub shiprocket {
    my ($name, $b) = @_;
    $::D{$name} = ['/wh/shiprocket', $b,
                   "x-api-key: $::SECRET{shiprocket}", 'shiprocket',
                   'sha256:' . Digest::SHA::sha256_hex($b)];
}

# n(suffix): this run's order number
sub n { return "$::P$_[0]" }

# reqs(names) / hdrs(names): the request and more_headers arrays.
sub reqs { return [map { "POST $::D{$_}[0]\n$::D{$_}[1]" } @_] }
sub hdrs { return [map { $::D{$_}[2] } @_] }

sub pay {
    my ($n, $amount, $cur, $ref) = @_;
    return qq({"event_id":"pay-$n","order_number":"$n","amount":$amount,)
         . qq("currency":"$cur","status":"paid","provider_reference":"$ref"});
}

# generic payments and refunds
generic('g_pay', pay("${P}G1", '129.99', 'USD', "txn_${P}G1"));
generic('g2_pay', pay("${P}G2", '20.50', 'EUR', "txn_${P}G2"));
generic('g2_refund', qq({"event_id":"refund-${P}G2","order_number":"${P}G2",)
    . qq("amount":20.50,"currency":"EUR","status":"refunded",)
    . qq("provider_reference":"txn_${P}G2"}));

# stripe: payment found by metadata.order_number; the refund by the payment
# intent; charge.refunded's cumulative total and the refund object count once
stripe('s_pay', 'payment_intent.succeeded',
    qq({"id":"pi_${P}S1","object":"payment_intent","amount":4900,)
    . qq("amount_received":4900,"currency":"eur","status":"succeeded",)
    . qq("metadata":{"order_number":"${P}S1"}}));
stripe('s_charge_refunded', 'charge.refunded',
    qq({"id":"ch_${P}S1","object":"charge","payment_intent":"pi_${P}S1",)
    . qq("amount":4900,"amount_refunded":4900,"currency":"eur",)
    . qq("status":"succeeded","refunded":true}));
stripe('s_refund', 'refund.updated',
    qq({"id":"re_${P}S1","object":"refund","payment_intent":"pi_${P}S1",)
    . qq("amount":4900,"currency":"eur","status":"succeeded"}));

# razorpay: notes.order_number, then a refund found by the payment id
razorpay('r_pay', 'payment.captured',
    qq({"payment":{"entity":{"id":"pay_${P}R1","entity":"payment",)
    . qq("amount":150000,"currency":"INR","status":"captured",)
    . qq("order_id":"order_${P}R1","method":"upi",)
    . qq("notes":{"order_number":"${P}R1"}}}}));
razorpay('r_refund', 'refund.processed',
    qq({"refund":{"entity":{"id":"rfnd_${P}R1","entity":"refund",)
    . qq("amount":150000,"currency":"INR","payment_id":"pay_${P}R1",)
    . qq("status":"processed"}}}));

# stitch: externalReference, then a partial refund by paymentRequestId
stitch('t_pay', 'payment',
    qq({"id":"pr_${P}T1","externalReference":"${P}T1",)
    . qq("amount":{"quantity":"250.00","currency":"ZAR"},)
    . qq("status":{"__typename":"PaymentComplete"}}));
stitch('t_refund', 'refund',
    qq({"id":"rf_${P}T1","paymentRequestId":"pr_${P}T1",)
    . qq("amount":{"quantity":"100.00","currency":"ZAR"},)
    . qq("status":{"__typename":"RefundCompleted"}}));

# generic tracking: shipped, then delivered
generic('k_pay', pay("${P}K1", '35.00', 'USD', "txn_${P}K1"));
our $SCAN1 = qq({"status_code":"in_transit","status_label":"In transit",)
    . qq("description":"Departed origin facility","location":"Shenzhen",)
    . qq("occurred_at":"2025-01-11T09:00:00Z"});
our $SCAN2 = qq({"status_code":"delivered","status_label":"Delivered",)
    . qq("description":"Left at front door","location":"Berlin",)
    . qq("occurred_at":"2025-01-13T10:00:00Z"});
sub track_body {
    my ($n, $delivered, @scans) = @_;
    return qq({"order_number":"$n","tracking_number":"ZX$n",)
         . qq("carrier":"AliExpress","tracking_url":"https://t.example/ZX$n",)
         . qq("shipped_at":"2025-01-10T14:20:00Z",)
         . qq("delivered_at":) . ($delivered ? qq("$delivered") : 'null')
         . qq(,"events":[) . join(',', @scans) . ']}';
}
tracking('k_transit', track_body("${P}K1", undef, $SCAN1));
tracking('k_delivered', track_body("${P}K1", '2025-01-13T10:00:00Z',
                                   $SCAN1, $SCAN2));

# shiprocket: in transit, then delivered
sub sr_body {
    my ($n, $status, $ts, @scans) = @_;
    return qq({"awb":"AWB$n","courier_name":"Delhivery Surface",)
         . qq("current_status":"$status","current_status_id":20,)
         . qq("shipment_status":"$status","current_timestamp":"$ts",)
         . qq("order_id":"$n","sr_order_id":348456385,"scans":[)
         . join(',', @scans) . qq(],"is_return":0,"channel_id":3422553});
}
our @SR = (
    qq({"date":"2023-05-19 11:59:16","status":"X-UCI","activity":)
    . qq("Manifested - Manifest uploaded","location":"Chomu (Rajasthan)",)
    . qq("sr-status":"5","sr-status-label":"MANIFEST GENERATED"}),
    qq({"date":"2023-05-23 11:43:52","status":"X-DLL2F","activity":)
    . qq("In Transit - Shipment picked up","location":"Jaipur (Rajasthan)",)
    . qq("sr-status":"18","sr-status-label":"IN TRANSIT"}),
    qq({"date":"2023-05-25 16:02:10","status":"DLVD","activity":)
    . qq("Delivered to consignee","location":"Delhi",)
    . qq("sr-status":"7","sr-status-label":"DELIVERED"}),
);
shiprocket('h_transit', sr_body("${P}H1", 'IN TRANSIT',
                                '23 05 2023 11:43:52', @SR[0, 1]));
shiprocket('h_delivered', sr_body("${P}H1", 'DELIVERED',
                                  '25 05 2023 16:02:10', @SR));

# duplicates: the same delivery twice, and the same payment again under a
# new event id (a provider's resend)
stripe('d_pay', 'payment_intent.succeeded',
    qq({"id":"pi_${P}D1","object":"payment_intent","amount":1999,)
    . qq("currency":"usd","status":"succeeded",)
    . qq("metadata":{"order_number":"${P}D1"}}));
stripe('d_pay_resent', 'payment_intent.succeeded',
    qq({"id":"pi_${P}D1","object":"payment_intent","amount":1999,)
    . qq("currency":"usd","status":"succeeded",)
    . qq("metadata":{"order_number":"${P}D1"}}));
tracking('d_transit', track_body("${P}D2", undef, $SCAN1));

# out of order: delivered arrives before in transit
tracking('o_delivered', track_body("${P}O1", '2025-01-13T10:00:00Z',
                                   $SCAN1, $SCAN2));
tracking('o_transit', track_body("${P}O1", undef, $SCAN1));
shiprocket('o_sr_delivered', sr_body("${P}O2", 'DELIVERED',
                                     '25 05 2023 16:02:10', @SR));
shiprocket('o_sr_transit', sr_body("${P}O2", 'IN TRANSIT',
                                   '23 05 2023 11:43:52', @SR[0, 1]));

# failures
generic('u_pay', pay("${P}U1", '9.99', 'USD', "txn_${P}U1"));
generic('m_decimals', qq({"event_id":"m1-$P","order_number":"${P}M1",)
    . qq("amount":1.999,"currency":"USD","status":"paid"}));
generic('m_notjson', "order_number=${P}M1&amount=5&status=paid");
razorpay('m_rzp', 'payment.captured',
    qq({"payment":{"entity":{"id":"pay_${P}M1","amount":"lots",)
    . qq("currency":"INR","notes":{"order_number":"${P}M1"}}}}));
generic('x_pay', pay("${P}X1", '15.00', 'USD', "txn_${P}X1"));

# ---- steps run between and after requests --------------------------------

# worker(@args): orderhooks-worker --once; returns its decoded log lines.
our @LOG;
sub worker {
    my @args = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, $ENV{TEST_NGINX_WORKER}, '--once',
                    '--db', $ENV{TEST_NGINX_PG_CONNINFO}, @args);
    close $in;
    my $e = do { local $/; <$err> } // '';
    do { local $/; <$out> };
    waitpid $pid, 0;
    Test::More::is($? >> 8, 0, "worker --once @args exits 0")
        or Test::More::diag($e);
    @LOG = grep { length } split /\n/, $e;
    return @LOG;
}

# admin(@args): orderhooks-admin; returns stdout, fails the test on error.
sub admin {
    my @args = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, $ENV{TEST_NGINX_ADMIN},
                    '--db', $ENV{TEST_NGINX_PG_CONNINFO}, @args);
    close $in;
    my $o = do { local $/; <$out> } // '';
    my $e = do { local $/; <$err> } // '';
    waitpid $pid, 0;
    Test::More::is($? >> 8, 0, "orderhooks-admin @args[0,1]")
        or Test::More::diag($e);
    return $o;
}

sub create_order {
    my ($n, $total, $cur, @more) = @_;
    return admin('order', 'create', $n, '--email', 'buyer@example.com',
                 '--total', $total, '--currency', $cur, @more);
}

# the row a delivery created
sub event_sql {
    my ($name, $cols) = @_;
    return "SELECT $cols FROM orderhooks.webhook_events WHERE source = "
         . sql_quote($::D{$name}[3]) . ' AND event_id = '
         . sql_quote($::D{$name}[4]) . " AND state <> 'rejected';\n";
}

sub event_is {
    my ($name, $want, $what) = @_;
    Test::More::is(sql(event_sql($name,
        "state || '|' || attempts || '|' || coalesce(last_error, '')")),
        $want, "$name: $what");
}

# order_sql(number, cols): one order's columns
sub order_sql {
    my ($n, $cols) = @_;
    return "SELECT $cols FROM orderhooks.orders o WHERE o.order_number = "
         . sql_quote($n) . ";\n";
}

# sql_rows(table, number, cols): rows of a table with an order_id, by id
sub sql_rows {
    my ($table, $n, $cols) = @_;
    return "SELECT $cols FROM $table WHERE order_id = (SELECT id FROM "
         . "orderhooks.orders WHERE order_number = " . sql_quote($n)
         . ") ORDER BY id;\n";
}

# history: "from|to|applied" lines of one order, oldest first ("-": none)
sub history_sql {
    my ($n) = @_;
    return "SELECT coalesce(h.from_status, '-'), h.to_status, h.applied "
         . "FROM orderhooks.order_status_history h JOIN orderhooks.orders o "
         . "ON o.id = h.order_id WHERE o.order_number = " . sql_quote($n)
         . " ORDER BY h.id;\n";
}

# Every block uses the same endpoints unless it has its own config.
add_block_preprocessor(sub {
    my ($block) = @_;
    $block->set_value('config', $::CONFIG) if !defined $block->config;
});

# --- steps eval: [code, ...], one entry per request, run right after that
# request's response (undef: nothing), so the worker runs between
# deliveries under the same nginx.  --- after_sql / --- after_sql_result:
# checked after the last request's step (the stock --- sql runs before it).
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if $dry_run;
    my $steps = $block->steps;
    my $reqs = $block->request;
    my $last = (ref $reqs eq 'ARRAY' ? @$reqs : 1) - 1;
    if (ref $steps eq 'ARRAY' && ref $steps->[$req_idx] eq 'CODE') {
        $steps->[$req_idx]->($block);
    }
    return if $req_idx != $last || !defined $block->after_sql;
    my $want = $block->after_sql_result // '';
    $want =~ s/^\s+|\s+$//g;
    Test::More::is(sql(scalar $block->after_sql), $want,
                   $block->name . ' - after_sql_result');
});

run_tests();

__DATA__

=== TEST 1: generic payment: 129.99 USD pays an order created by the admin command
--- init
::create_order(::n('G1'), '129.99', 'USD');
--- request eval
::reqs('g_pay')
--- more_headers eval
::hdrs('g_pay')
--- error_code: 200
--- response_body_like: ^\{"status":"recorded","id":\d+\}$
--- steps eval
[sub { ::worker() }]
--- after_sql eval
::order_sql(::n('G1'), 'o.status, o.total_minor, o.paid_minor, '
    . 'o.paid_at IS NOT NULL')
. ::sql_rows('orderhooks.payment_reconciliation', ::n('G1'),
             "status, expected_minor, received_minor")
. ::sql_rows('orderhooks.payments', ::n('G1'),
             "provider, provider_payment_id, status, amount_minor, currency")
. ::event_sql('g_pay', 'state, attempts')
. ::history_sql(::n('G1'))
--- after_sql_result eval
"paid|12999|12999|t
matched|12999|12999
generic|txn_" . ::n("G1") . "|succeeded|12999|USD
done|1
-|pending_payment|t
pending_payment|paid|t"
--- no_error_log
[error]



=== TEST 2: generic refund: the whole amount refunded -> refunded, one refund row
--- init
::create_order(::n('G2'), '20.50', 'EUR');
--- request eval
::reqs('g2_pay', 'g2_refund')
--- more_headers eval
::hdrs('g2_pay', 'g2_refund')
--- error_code eval
[200, 200]
--- steps eval
[sub { ::worker() }, sub { ::worker() }]
--- after_sql eval
::order_sql(::n('G2'), 'o.status, o.paid_minor, o.refunded_minor')
. ::sql_rows('orderhooks.refunds', ::n('G2'),
             'provider, status, amount_minor, currency')
. ::history_sql(::n('G2'))
--- after_sql_result
refunded|2050|2050
generic|processed|2050|EUR
-|pending_payment|t
pending_payment|paid|t
paid|refunded|t
--- no_error_log
[error]



=== TEST 3: stripe: payment by metadata.order_number, refund and charge.refunded counted once
--- init
::create_order(::n('S1'), '49.00', 'EUR', '--provider', 'stripe');
--- request eval
::reqs('s_pay', 's_charge_refunded', 's_refund')
--- more_headers eval
::hdrs('s_pay', 's_charge_refunded', 's_refund')
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/"status":"recorded"/, qr/"status":"recorded"/, qr/"status":"recorded"/]
--- steps eval
[sub {
    ::worker();
    Test::More::is(sql(::order_sql(::n('S1'), 'status, paid_minor')),
                   'paid|4900', 'stripe: paid before the refund');
 }, undef, sub { ::worker() }]
--- after_sql eval
::order_sql(::n('S1'), 'o.status, o.paid_minor, o.refunded_minor, '
    . 'o.provider_payment_id')
. ::sql_rows('orderhooks.refunds', ::n('S1'),
             'provider_refund_id, status, amount_minor, currency')
. ::event_sql('s_charge_refunded', 'state')
. ::event_sql('s_refund', 'state')
--- after_sql_result eval
"refunded|4900|4900|pi_" . ::n('S1') . "
re_" . ::n('S1') . "|processed|4900|EUR
done
done"
--- no_error_log
[error]



=== TEST 4: razorpay: payment.captured by notes.order_number, refund.processed by payment id
--- init
::create_order(::n('R1'), '1500.00', 'INR', '--provider', 'razorpay');
--- request eval
::reqs('r_pay', 'r_refund')
--- more_headers eval
::hdrs('r_pay', 'r_refund')
--- error_code eval
[200, 200]
--- steps eval
[sub {
    ::worker();
    Test::More::is(sql(::order_sql(::n('R1'), 'status, paid_minor')),
                   'paid|150000', 'razorpay: paid before the refund');
 }, sub { ::worker() }]
--- after_sql eval
::order_sql(::n('R1'), 'o.status, o.paid_minor, o.refunded_minor')
. ::sql_rows('orderhooks.payments', ::n('R1'),
             'provider, provider_payment_id, status, amount_minor')
. ::sql_rows('orderhooks.refunds', ::n('R1'),
             'provider_refund_id, provider_payment_id, status, amount_minor')
--- after_sql_result eval
"refunded|150000|150000
razorpay|pay_" . ::n('R1') . "|succeeded|150000
rfnd_" . ::n('R1') . "|pay_" . ::n('R1') . "|processed|150000"
--- no_error_log
[error]



=== TEST 5: stitch: payment by externalReference, partial refund keeps it paid
--- init
::create_order(::n('T1'), '250.00', 'ZAR', '--provider', 'stitch');
--- request eval
::reqs('t_pay', 't_refund')
--- more_headers eval
::hdrs('t_pay', 't_refund')
--- error_code eval
[200, 200]
--- steps eval
[sub { ::worker() }, sub { ::worker() }]
--- after_sql eval
::order_sql(::n('T1'), 'o.status, o.paid_minor, o.refunded_minor')
. ::sql_rows('orderhooks.payment_reconciliation', ::n('T1'),
             'status, expected_minor, received_minor, received_currency')
. ::sql_rows('orderhooks.refunds', ::n('T1'),
             'provider, status, amount_minor, currency')
--- after_sql_result
paid|25000|10000
matched|25000|25000|ZAR
stitch|processed|10000|ZAR
--- no_error_log
[error]



=== TEST 6: generic tracking: paid -> shipped -> delivered, each scan stored once
--- init
::create_order(::n('K1'), '35.00', 'USD');
--- request eval
::reqs('k_pay', 'k_transit', 'k_delivered')
--- more_headers eval
::hdrs('k_pay', 'k_transit', 'k_delivered')
--- error_code eval
[200, 200, 200]
--- steps eval
[sub { ::worker() },
 sub {
    ::worker();
    Test::More::is(sql(::order_sql(::n('K1'),
                       'status, tracking_number, carrier')),
                   'shipped|ZX' . ::n('K1') . '|AliExpress',
                   'generic tracking: shipped');
 },
 sub { ::worker() }]
--- after_sql eval
::order_sql(::n('K1'), "o.status, o.shipped_at = '2025-01-10T14:20:00Z', "
    . "o.delivered_at = '2025-01-13T10:00:00Z', o.tracking_url")
. ::sql_rows('orderhooks.shipments', ::n('K1'),
             'tracking_number, carrier, status')
. "SELECT t.status_code, t.location, t.occurred_at = '2025-01-11T09:00:00Z'"
. " OR t.occurred_at = '2025-01-13T10:00:00Z' FROM orderhooks.tracking_events"
. " t JOIN orderhooks.shipments s ON s.id = t.shipment_id WHERE"
. " s.tracking_number = " . sql_quote('ZX' . ::n('K1'))
. " ORDER BY t.occurred_at;\n"
. ::history_sql(::n('K1'))
--- after_sql_result eval
"delivered|t|t|https://t.example/ZX" . ::n('K1') . "
ZX" . ::n('K1') . "|AliExpress|delivered
in_transit|Shenzhen|t
delivered|Berlin|t
-|pending_payment|t
pending_payment|paid|t
paid|shipped|t
shipped|delivered|t"
--- no_error_log
[error]



=== TEST 7: shiprocket: IN TRANSIT -> DELIVERED on a paid order, scans stored once, times from the scans
--- init
::create_order(::n('H1'), '999.00', 'INR', '--status', 'paid');
--- request eval
::reqs('h_transit', 'h_delivered')
--- more_headers eval
::hdrs('h_transit', 'h_delivered')
--- error_code eval
[200, 200]
--- steps eval
[sub {
    ::worker();
    Test::More::is(sql(::order_sql(::n('H1'), 'status, tracking_number')),
                   'shipped|AWB' . ::n('H1'), 'shiprocket: shipped');
 },
 sub { ::worker() }]
--- after_sql eval
::order_sql(::n('H1'), "o.status, o.carrier, o.tracking_number, "
    . "o.delivered_at = '2023-05-25 16:02:10+05:30', "
    . "o.shipped_at = '2023-05-23 11:43:52+05:30'")
. ::sql_rows('orderhooks.shipments', ::n('H1'),
    "shipped_at = '2023-05-23 11:43:52+05:30', "
    . "delivered_at = '2023-05-25 16:02:10+05:30'")
. "SELECT count(*), count(DISTINCT (t.status_code, t.occurred_at)) FROM"
. " orderhooks.tracking_events t JOIN orderhooks.shipments s ON"
. " s.id = t.shipment_id WHERE s.tracking_number = "
. sql_quote('AWB' . ::n('H1')) . ";\n"
. ::history_sql(::n('H1'))
--- after_sql_result eval
"delivered|Delhivery Surface|AWB" . ::n('H1') . "|t|t
t|t
3|3
-|paid|t
paid|shipped|t
shipped|delivered|t"
--- no_error_log
[error]



=== TEST 8: duplicates: the same delivery twice and a resend under a new id pay once
--- init
::create_order(::n('D1'), '19.99', 'USD');
--- request eval
::reqs('d_pay', 'd_pay', 'd_pay_resent', 'd_pay_resent')
--- more_headers eval
::hdrs('d_pay', 'd_pay', 'd_pay_resent', 'd_pay_resent')
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[qr/"status":"recorded"/, qr/"status":"duplicate"/,
 qr/"status":"recorded"/, qr/"status":"duplicate"/]
--- steps eval
[undef, undef, sub { ::worker() }, sub { ::worker() }]
--- after_sql eval
"SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM"
. " orderhooks.webhook_events WHERE event_id IN ("
. sql_quote($::D{d_pay}[4]) . ', ' . sql_quote($::D{d_pay_resent}[4])
. ");\n"
. ::order_sql(::n('D1'), 'o.status, o.paid_minor')
. ::sql_rows('orderhooks.payments', ::n('D1'), 'status, amount_minor')
. ::sql_rows('orderhooks.payment_reconciliation', ::n('D1'), 'status')
. ::history_sql(::n('D1'))
--- after_sql_result
2|2
paid|1999
succeeded|1999
matched
-|pending_payment|t
pending_payment|paid|t
--- no_error_log
[error]



=== TEST 9: out of order: delivered, then a late in-transit: stays delivered, refusal recorded
--- init
::create_order(::n('O1'), '5.00', 'USD', '--status', 'paid');
--- request eval
::reqs('o_delivered', 'o_transit')
--- more_headers eval
::hdrs('o_delivered', 'o_transit')
--- error_code eval
[200, 200]
--- steps eval
[undef, sub { ::worker() }]
--- after_sql eval
::order_sql(::n('O1'), 'o.status')
. ::event_sql('o_delivered', 'state')
. ::event_sql('o_transit', 'state')
. ::sql_rows('orderhooks.shipments', ::n('O1'), 'status')
. ::history_sql(::n('O1'))
--- after_sql_result
delivered
done
done
delivered
-|paid|t
paid|delivered|t
delivered|shipped|f
--- no_error_log
[error]



=== TEST 10: out of order on shiprocket: DELIVERED then IN TRANSIT, one worker run
--- init
::create_order(::n('O2'), '5.00', 'INR', '--status', 'paid');
--- request eval
::reqs('o_sr_delivered', 'o_sr_transit')
--- more_headers eval
::hdrs('o_sr_delivered', 'o_sr_transit')
--- error_code eval
[200, 200]
--- steps eval
[undef, sub { ::worker() }]
--- after_sql eval
::order_sql(::n('O2'), 'o.status')
. "SELECT count(*) FROM orderhooks.tracking_events t JOIN"
. " orderhooks.shipments s ON s.id = t.shipment_id WHERE"
. " s.tracking_number = " . sql_quote('AWB' . ::n('O2')) . ";\n"
. ::history_sql(::n('O2'))
--- after_sql_result
delivered
3
-|paid|t
paid|delivered|t
delivered|shipped|f
--- no_error_log
[error]



=== TEST 11: unknown order: retried with backoff, dead after the last attempt, replayed once the order exists
--- request eval
::reqs('u_pay')
--- more_headers eval
::hdrs('u_pay')
--- error_code: 200
--- steps eval
[sub {
    ::worker();
    ::event_is('u_pay', 'retry|1|order not found', 'first attempt -> retry');
    my $due = sql(::event_sql('u_pay',
        'extract(epoch FROM next_attempt_at - now())::int'));
    Test::More::ok($due >= 260 && $due <= 331,
                   "retry due in 5 min +- 10 % ($due s)");
    ::worker();
    ::event_is('u_pay', 'retry|1|order not found', 'not claimed before due');
    # the default schedule has 5 steps: make the 6th attempt due now
    sql(q{UPDATE orderhooks.webhook_events SET attempts = 5,
          next_attempt_at = now() WHERE event_id = :'p1'}, $::D{u_pay}[4]);
    ::worker();
    ::event_is('u_pay', 'dead|6|order not found', 'dead after the backoff');
    ::create_order(::n('U1'), '9.99', 'USD');
    my $id = sql(::event_sql('u_pay', 'id'));
    Test::More::like(::admin('replay', $id), qr/pending again/,
                     'admin replay puts it back');
    ::event_is('u_pay', 'pending|0|order not found', 'replayed: pending');
    ::worker();
 }]
--- after_sql eval
::event_sql('u_pay', "state, attempts, processed_at IS NOT NULL")
. ::order_sql(::n('U1'), 'o.status, o.paid_minor')
--- after_sql_result
done|1|t
paid|999
--- no_error_log
[error]



=== TEST 12: malformed payloads: dead at once, the reason kept, the order untouched
--- init
::create_order(::n('M1'), '5.00', 'USD');
--- request eval
::reqs('m_decimals', 'm_notjson', 'm_rzp')
--- more_headers eval
::hdrs('m_decimals', 'm_notjson', 'm_rzp')
--- error_code eval
[200, 200, 200]
--- steps eval
[undef, undef, sub {
    my @log = ::worker();
    for my $e ('m_decimals', 'm_notjson', 'm_rzp') {
        my $id = sql(::event_sql($e, 'id'));
        Test::More::is(scalar(grep { /"msg":"event dead"/
                                     && /"webhook_id":$id\b/ } @log), 1,
                       "$e: logged dead once");
    }
 }]
--- after_sql eval
::event_sql('m_decimals', "state, attempts, last_error LIKE 'malformed: %'")
. ::event_sql('m_notjson', "state, attempts, last_error LIKE 'malformed: %'")
. ::event_sql('m_rzp', "state, attempts, last_error LIKE 'malformed: %'")
. ::order_sql(::n('M1'), 'o.status, o.paid_minor')
. ::sql_rows('orderhooks.payments', ::n('M1'), 'status')
--- after_sql_result
dead|1|t
dead|1|t
dead|1|t
pending_payment|0
--- no_error_log
[error]



=== TEST 13: replay --force of an applied payment changes nothing
--- init
::create_order(::n('X1'), '15.00', 'USD');
--- request eval
::reqs('x_pay')
--- more_headers eval
::hdrs('x_pay')
--- error_code: 200
--- steps eval
[sub {
    ::worker();
    my $id = sql(::event_sql('x_pay', 'id'));
    ::admin('replay', $id, '--force');
    ::event_is('x_pay', 'pending|0|', 'forced replay: pending');
    ::worker();
 }]
--- after_sql eval
::event_sql('x_pay', 'state, attempts')
. ::order_sql(::n('X1'), 'o.status, o.paid_minor')
. ::sql_rows('orderhooks.payments', ::n('X1'), 'status, amount_minor')
. ::sql_rows('orderhooks.payment_reconciliation', ::n('X1'), 'status')
. ::history_sql(::n('X1'))
--- after_sql_result
done|1
paid|1500
succeeded|1500
matched
-|pending_payment|t
pending_payment|paid|t
--- no_error_log
[error]
