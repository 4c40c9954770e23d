# Refunds (once per provider refund id, cumulative totals not double
# counted) and tracking (shipments, scans stored once, monotonic status).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WorkerTest;

my $p = prefix();

sub pay_stripe {
    my ($n, $amount, $cur) = @_;
    insert_event('stripe', qq({"type":"payment_intent.succeeded","data":{"object":{"id":"pi_$n","amount":$amount,"currency":"$cur","metadata":{"order_number":"$n"}}}}));
}

# stripe: refund.created (pending) -> refund.updated (succeeded) for a part,
# then a second refund completes it; charge.refunded totals agree
create_order("${p}SR", 'EUR', 10000);
pay_stripe("${p}SR", 10000, 'eur');
run_worker();
insert_event('stripe', qq({"type":"refund.created","data":{"object":{"id":"re_${p}1","payment_intent":"pi_${p}SR","amount":3000,"currency":"eur","status":"pending"}}}));
run_worker();
is order_row("${p}SR")->{refunded_minor}, 0, 'pending refund not counted';
insert_event('stripe', qq({"type":"refund.updated","data":{"object":{"id":"re_${p}1","payment_intent":"pi_${p}SR","amount":3000,"currency":"eur","status":"succeeded"}}}));
insert_event('stripe', qq({"type":"charge.refunded","data":{"object":{"id":"ch_${p}","payment_intent":"pi_${p}SR","amount_refunded":3000,"currency":"eur"}}}));
run_worker();
my $o = order_row("${p}SR");
is $o->{refunded_minor}, 3000, 'refund and cumulative total counted once';
is $o->{status}, 'paid', 'partial refund keeps paid';
insert_event('stripe', qq({"type":"charge.refunded","data":{"object":{"id":"ch_${p}","payment_intent":"pi_${p}SR","amount_refunded":10000,"currency":"eur"}}}));
insert_event('stripe', qq({"type":"refund.updated","data":{"object":{"id":"re_${p}2","payment_intent":"pi_${p}SR","amount":7000,"currency":"eur","status":"succeeded"}}}));
run_worker();
$o = order_row("${p}SR");
is $o->{refunded_minor}, 10000, 'full refund';
is $o->{status}, 'refunded', 'order refunded';
is scalar(sql(q{SELECT 1 FROM orderhooks.refunds WHERE provider_refund_id
    LIKE :'x'}, x => "re_${p}%")), 2, 'one row per refund id';

# razorpay refund via the payment id
create_order("${p}RR", 'INR', 50000);
insert_event('razorpay', qq({"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_${p}RR","amount":50000,"currency":"INR","notes":{"order_number":"${p}RR"}}}}}));
run_worker();
my $r1 = insert_event('razorpay', qq({"event":"refund.processed","payload":{"refund":{"entity":{"id":"rfnd_${p}","payment_id":"pay_${p}RR","amount":50000,"currency":"INR","status":"processed"}}}}));
run_worker();
is event_row($r1)->{state}, 'done', 'razorpay refund done';
is order_row("${p}RR")->{status}, 'refunded', 'razorpay: refunded';

# stitch and generic refunds
create_order("${p}TR", 'ZAR', 25000);
insert_event('stitch', qq({"type":"payment","data":{"id":"st_${p}TR","externalReference":"${p}TR","amount":{"quantity":"250.00","currency":"ZAR"},"status":{"__typename":"PaymentComplete"}}}));
run_worker();
insert_event('stitch', qq({"type":"refund","data":{"id":"sr_${p}","paymentRequestId":"st_${p}TR","amount":{"quantity":"100.00","currency":"ZAR"},"status":{"__typename":"RefundCompleted"}}}));
run_worker();
is order_row("${p}TR")->{refunded_minor}, 10000, 'stitch partial refund';
create_order("${p}GR", 'USD', 12999);
insert_event('generic', qq({"order_number":"${p}GR","amount":129.99,"currency":"USD","status":"paid","provider_reference":"txn_${p}GR"}));
run_worker();
insert_event('generic', qq({"event_id":"gr_${p}","order_number":"${p}GR","amount":129.99,"currency":"USD","status":"refunded","provider_reference":"txn_${p}GR"}));
run_worker();
is order_row("${p}GR")->{status}, 'refunded', 'generic refund';

# tracking: generic in_transit -> delivered; scans stored once; a late
# in_transit after delivery is recorded but refused
my $n = "${p}TK";
create_order($n, 'USD', 100);
insert_event('generic', qq({"order_number":"$n","amount":1,"currency":"USD","status":"paid","provider_reference":"t_$n"}));
my $transit = qq({"order_number":"$n","tracking_number":"ZX$p","carrier":"AliExpress","tracking_url":"https://t.example/ZX","shipped_at":"2025-01-10T14:20:00Z","delivered_at":null,"events":[{"status_code":"in_transit","status_label":"In transit","description":"Departed origin facility","location":"Shenzhen","occurred_at":"2025-01-11T09:00:00Z"}]});
insert_event('generic', $transit, type => 'tracking');
run_worker();
$o = order_row($n);
is $o->{status}, 'shipped', 'tracking: shipped';
is $o->{tracking_number}, "ZX$p", 'tracking number on the order';
is $o->{shipped_at}, '2025-01-10T14:20:00+00:00', 'shipped_at from payload';
insert_event('generic', qq({"order_number":"$n","tracking_number":"ZX$p","delivered_at":"2025-01-13T10:00:00Z","events":[{"status_code":"in_transit","status_label":"In transit","description":"Departed origin facility","location":"Shenzhen","occurred_at":"2025-01-11T09:00:00Z"},{"status_code":"delivered","occurred_at":"2025-01-13T10:00:00Z","location":"Berlin"}]}), type => 'tracking');
run_worker();
is order_row($n)->{status}, 'delivered', 'tracking: delivered';
my $late = insert_event('generic', $transit, type => 'tracking', event_id => "late-$p");
run_worker();
is event_row($late)->{state}, 'done', 'late update done';
is order_row($n)->{status}, 'delivered', 'late in_transit does not regress';
is_deeply history($n), ['pending_payment>paid:y', 'paid>shipped:y',
    'shipped>delivered:y', 'delivered>shipped:n'], 'history';
my @scans = sql(q{SELECT t.status_code FROM orderhooks.tracking_events t
    JOIN orderhooks.shipments s ON s.id = t.shipment_id
    WHERE s.tracking_number = :'t' ORDER BY t.occurred_at}, t => "ZX$p");
is_deeply [map { $_->[0] } @scans], ['in_transit', 'delivered'],
    'each scan stored once';
is sql_row(q{SELECT status FROM orderhooks.shipments
    WHERE tracking_number = :'t'}, t => "ZX$p")->{status}, 'delivered',
    'shipment stays delivered';

# shiprocket: in transit, then RTO -> returned
my $s = "${p}SH";
create_order($s, 'INR', 100);
insert_event('generic', qq({"order_number":"$s","amount":1,"currency":"INR","status":"paid","provider_reference":"t_$s"}));
insert_event('shiprocket', qq({"awb":"19041$p","courier_name":"Delhivery Surface","current_status":"IN TRANSIT","current_timestamp":"23 05 2023 11:43:52","order_id":"$s","scans":[{"date":"2023-05-23 11:43:52","activity":"In Transit - Shipment picked up","location":"Jaipur","sr-status":"18","sr-status-label":"IN TRANSIT"}],"is_return":0}));
run_worker();
is order_row($s)->{status}, 'shipped', 'shiprocket: shipped';
is order_row($s)->{carrier}, 'Delhivery Surface', 'carrier';
insert_event('shiprocket', qq({"awb":"19041$p","current_status":"RTO DELIVERED","order_id":"$s","scans":[],"is_return":0}));
run_worker();
is order_row($s)->{status}, 'returned', 'shiprocket: RTO -> returned';

# tracking before payment: tried once more after early_retry (the payment
# may be late); still unpaid then: shipment recorded, order not moved
my $u = "${p}UP";
create_order($u, 'USD', 100);
my $ue = insert_event('generic', qq({"order_number":"$u","tracking_number":"UP$p","events":[{"status_code":"in_transit","occurred_at":"2025-01-11T09:00:00Z"}]}));
run_worker();
my $e = event_row($ue);
is $e->{state}, 'retry', 'tracking ahead of payment: tried again later';
like $e->{last_error}, qr/not paid yet/, 'with the reason';
ok $e->{due_in} >= 8 && $e->{due_in} <= 11, "after early_retry (10 s: $e->{due_in})";
is_deeply history($u), [], 'nothing recorded yet';
is sql_row(q{SELECT count(*) AS n FROM orderhooks.shipments s
             JOIN orderhooks.orders o ON o.id = s.order_id
             WHERE o.order_number = :'n'}, n => $u)->{n}, 0, 'no shipment yet';
sql(q{UPDATE orderhooks.webhook_events SET next_attempt_at = now()
      WHERE id = :'id'}, id => $ue);
run_worker();
is event_row($ue)->{state}, 'done', 'second try: done';
is order_row($u)->{status}, 'pending_payment', 'unpaid order not shipped';
is_deeply history($u), ['pending_payment>shipped:n'], 'refused, recorded';

# the payment arrives while the early update waits: both apply, in order
my $v = "${p}UV";
create_order($v, 'USD', 500);
my $ve = insert_event('generic', qq({"order_number":"$v","tracking_number":"UV$p","events":[{"status_code":"delivered","occurred_at":"2025-01-12T09:00:00Z"}]}));
my $vr = insert_event('generic', qq({"event_id":"${p}uvr","order_number":"$v","amount":5.00,"currency":"USD","status":"refunded"}));
insert_event('generic', qq({"event_id":"${p}uvp","order_number":"$v","amount":5.00,"currency":"USD","status":"paid"}));
run_worker();
is event_row($ve)->{state}, 'retry', 'delivery ahead of its payment waits';
is event_row($vr)->{state}, 'retry', 'refund ahead of its payment waits';
is order_row($v)->{status}, 'paid', 'the payment applied';
sql(q{UPDATE orderhooks.webhook_events SET next_attempt_at = now()
      WHERE id IN (:'a', :'b')}, a => $ve, b => $vr);
run_worker();
is order_row($v)->{status}, 'refunded', 'then delivered and refunded';
is_deeply history($v), ['pending_payment>paid:y', 'paid>delivered:y',
                        'delivered>refunded:y'], 'in order';

# early_retry = 0: recorded at once, as refused
my $z = "${p}UZ";
create_order($z, 'USD', 100);
my $ze = insert_event('generic', qq({"order_number":"$z","tracking_number":"UZ$p","events":[{"status_code":"in_transit","occurred_at":"2025-01-11T09:00:00Z"}]}));
run_worker('--set', 'early_retry=0');
is event_row($ze)->{state}, 'done', 'early_retry=0: done at once';
is_deeply history($z), ['pending_payment>shipped:n'], 'early_retry=0: refused';

# order lookup, all in one batch: a known order number wins over the
# event's reference; an unknown number falls back to the reference, as
# does an event without a number
create_order("${p}LA", 'USD', 500, payment_id => "txn_${p}LA");
create_order("${p}LB", 'USD', 700);
create_order("${p}LC", 'USD', 900, provider_order_id => "ord_${p}LC");
create_order("${p}LD", 'USD', 300, payment_id => "txn_${p}LD");
my $la = insert_event('generic', qq({"order_number":"${p}NO-SUCH","amount":5,"currency":"USD","status":"paid","provider_reference":"txn_${p}LA"}));
my $lb = insert_event('generic', qq({"order_number":"${p}LB","amount":7,"currency":"USD","status":"paid","provider_reference":"txn_${p}LD"}));
my $lc = insert_event('razorpay', qq({"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_${p}LC","order_id":"ord_${p}LC","amount":900,"currency":"USD","status":"captured"}}}}));
run_worker();
is join(',', map { event_row($_)->{state} } $la, $lb, $lc), 'done,done,done',
    'lookup batch: every event applied';
is order_row("${p}LA")->{status}, 'paid', 'unknown number: found by its payment reference';
is order_row("${p}LB")->{status}, 'paid', 'known number: its own order';
is order_row("${p}LD")->{status}, 'pending_payment',
    'not the order that holds the same reference';
is order_row("${p}LC")->{status}, 'paid', 'no number: found by the provider order id';

done_testing;
