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
::create_order("${::P}G1", '129.99', 'USD');
--- request eval
::reqs('g_pay')
--- more_headers eval
::hdrs('g_pay')
--- error_code: 200
--- response_body_like: ^\{"status":"recorded","id":\d+\}$
--- steps eval
[sub { ::worker() }]
--- after_sql eval
::order_sql("${::P}G1", 'o.status, o.total_minor, o.paid_minor, '
    . 'o.paid_at IS NOT NULL')
. ::sql_rows('orderhooks.payment_reconciliation', "${::P}G1",
             "status, expected_minor, received_minor")
. ::sql_rows('orderhooks.payments', "${::P}G1",
             "provider, provider_payment_id, status, amount_minor, currency")
. ::event_sql('g_pay', 'state, attempts')
. ::history_sql("${::P}G1")
--- after_sql_result eval
"paid|12999|12999|t
matched|12999|12999
generic|txn_${::P}G1|succeeded|12999|USD
done|1
-|pending_payment|t
pending_payment|paid|t"
--- no_error_log
[error]
