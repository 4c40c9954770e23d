# Payments per provider: exact amounts, reconciliation, duplicates, late
# failures and expired checkouts, applied by orderhooks-worker --once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WorkerTest;

my $p = prefix();
my ($rc, $log);

# generic: 129.99 USD -> 12999 minor units, matched -> paid
create_order("${p}G1", 'USD', 12999);
my $g1 = insert_event('generic', qq({"event_id":"${p}g1","order_number":"${p}G1","amount":129.99,"currency":"USD","status":"paid","provider_reference":"txn_${p}1"}));
($rc, $log) = run_worker();
is $rc, 0, 'worker --once exits 0';
is event_row($g1)->{state}, 'done', 'generic payment done';
my $o = order_row("${p}G1");
is $o->{status}, 'paid', 'generic: order paid';
is $o->{paid_minor}, 12999, 'generic: 129.99 -> 12999 exactly';
ok defined $o->{paid_at}, 'paid_at set';
my $rec = sql_row(q{SELECT r.status, r.expected_minor, r.received_minor
    FROM orderhooks.payment_reconciliation r JOIN orderhooks.orders o
    ON o.id = r.order_id WHERE o.order_number = :'n'}, n => "${p}G1");
is $rec->{status}, 'matched', 'reconciliation matched';
is_deeply history("${p}G1"), ['pending_payment>paid:y'], 'history';
my ($line) = grep { ($_->{webhook_id} // 0) == $g1 } @$log;
is $line->{transition}, 'pending_payment->paid', 'log line has transition';
ok defined $line->{duration_ms}, 'log line has duration';

# stripe: minor units, zero-decimal JPY; duplicate content under a second
# event id is counted once
create_order("${p}S1", 'JPY', 5000);
my $body = qq({"id":"evt_${p}s1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_${p}1","amount":5000,"amount_received":5000,"currency":"jpy","status":"succeeded","metadata":{"order_number":"${p}S1"}}}});
my $s1 = insert_event('stripe', $body);
my $s2 = insert_event('stripe', $body);
run_worker();
is event_row($s1)->{state}, 'done', 'stripe event done';
is event_row($s2)->{state}, 'done', 'stripe duplicate done';
$o = order_row("${p}S1");
is $o->{status}, 'paid', 'stripe: paid';
is $o->{paid_minor}, 5000, 'JPY 5000 counted once';
is $o->{provider_payment_id}, "pi_${p}1", 'payment intent stored';
is scalar(sql(q{SELECT 1 FROM orderhooks.payments
    WHERE provider_payment_id = :'x'}, x => "pi_${p}1")), 1,
    'one payment row';

# a failure after the success: recorded, never moves the order back
my $s3 = insert_event('stripe', qq({"id":"evt_${p}s3","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_${p}1","amount":5000,"currency":"jpy","status":"requires_payment_method","metadata":{"order_number":"${p}S1"}}}}));
run_worker();
is event_row($s3)->{state}, 'done', 'late failure done';
is order_row("${p}S1")->{status}, 'paid', 'order stays paid';
is_deeply history("${p}S1"),
    ['pending_payment>paid:y', 'paid>pending_payment:n'],
    'late failure recorded as refused';
is sql_row(q{SELECT status FROM orderhooks.payments
    WHERE provider_payment_id = :'x'}, x => "pi_${p}1")->{status},
    'succeeded', 'payment row keeps succeeded';

# razorpay: payment.captured + order.paid for the same payment count once;
# order found by the stored Razorpay order id
create_order("${p}R1", 'INR', 1857346, provider_order_id => "order_${p}");
insert_event('razorpay', qq({"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_${p}","amount":1857346,"currency":"INR","status":"captured","order_id":"order_${p}","notes":[]}}}}));
insert_event('razorpay', qq({"event":"order.paid","payload":{"order":{"entity":{"id":"order_${p}","amount_paid":1857346,"currency":"INR","receipt":"${p}R1","status":"paid"}},"payment":{"entity":{"id":"pay_${p}"}}}}));
run_worker();
$o = order_row("${p}R1");
is $o->{status}, 'paid', 'razorpay: paid';
is $o->{paid_minor}, 1857346, 'razorpay: counted once';

# stitch: decimal string in major units
create_order("${p}T1", 'ZAR', 898108);
insert_event('stitch', qq({"type":"payment","data":{"id":"st_${p}","externalReference":"${p}T1","amount":{"quantity":"8981.08","currency":"ZAR"},"status":{"__typename":"PaymentComplete"}}}));
run_worker();
is order_row("${p}T1")->{status}, 'paid', 'stitch: paid';
is order_row("${p}T1")->{paid_minor}, 898108, 'stitch: 8981.08 exact';

# mismatch: less than expected, and the wrong currency
create_order("${p}M1", 'USD', 10000);
create_order("${p}M2", 'USD', 10000);
insert_event('generic', qq({"order_number":"${p}M1","amount":99.99,"currency":"USD","status":"paid","provider_reference":"m1_${p}"}));
insert_event('generic', qq({"order_number":"${p}M2","amount":100,"currency":"EUR","status":"paid","provider_reference":"m2_${p}"}));
run_worker();
is order_row("${p}M1")->{status}, 'payment_mismatch', 'short payment';
is order_row("${p}M2")->{status}, 'payment_mismatch', 'wrong currency';
$rec = sql_row(q{SELECT r.status, r.received_minor, r.notes
    FROM orderhooks.payment_reconciliation r JOIN orderhooks.orders o
    ON o.id = r.order_id WHERE o.order_number = :'n'}, n => "${p}M1");
is $rec->{status}, 'mismatch', 'reconciliation mismatch';
is $rec->{received_minor}, 9999, 'received amount recorded';
like $rec->{notes}, qr/expected/, 'mismatch note';

# checkout expired: an unpaid order is cancelled; a paid one is not
create_order("${p}C1", 'EUR', 4200);
insert_event('stripe', qq({"type":"checkout.session.expired","data":{"object":{"id":"cs_${p}1","client_reference_id":"${p}C1"}}}));
insert_event('stripe', qq({"type":"checkout.session.expired","data":{"object":{"id":"cs_${p}2","client_reference_id":"${p}G1"}}}));
run_worker();
is order_row("${p}C1")->{status}, 'cancelled', 'expired checkout cancels';
ok defined order_row("${p}C1")->{cancelled_at}, 'cancelled_at set';
is order_row("${p}G1")->{status}, 'paid', 'paid order not cancelled';
is_deeply history("${p}G1"), ['pending_payment>paid:y', 'paid>cancelled:n'],
    'refused cancel recorded';

done_testing;
