# Chaos: 10,000 deliveries through nginx in shuffled order, 30 % of them
# duplicates (2,000 byte-identical re-deliveries, 1,000 resends of a
# payment or tracking update under a new event id), from 8 concurrent
# clients; then one worker drains the queue.  Effects are exactly once:
# one row per webhook, one payment per payment id, one refund per refund
# id, one scan per carrier scan, sums exact.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use List::Util qw(shuffle);
use Time::HiRes qw(time);
use ChaosTest;

my $ORDERS = 700;            # x 10 distinct deliveries = 7,000
my $CLIENTS = 8;
my $RUN = sprintf '%d%05d', time, $$;
my $TS = int time;
my %SECRET = (generic => 'dup-generic', stripe => 'whsec_dup_stripe',
              razorpay => 'dup-rzp', shiprocket => 'dup-sr-token');
srand(42);

sub generic {
    my ($uri, $b) = @_;
    return [$uri, ['X-Signature: ' . hmac_hex($SECRET{generic}, $b)], $b];
}
sub stripe {
    my ($b) = @_;
    return ['/wh/stripe', ['Stripe-Signature: t=' . $TS . ',v1='
            . hmac_hex($SECRET{stripe}, "$TS.$b")], $b];
}
sub razorpay {
    my ($b, $id) = @_;
    return ['/wh/razorpay', ['X-Razorpay-Signature: '
            . hmac_hex($SECRET{razorpay}, $b), "X-Razorpay-Event-Id: $id"],
            $b];
}
sub shiprocket {
    my ($b) = @_;
    return ['/wh/shiprocket', ["x-api-key: $SECRET{shiprocket}"], $b];
}

# payment(order, provider, resend?) in its provider's format
sub payment {
    my ($n, $kind, $resend) = @_;
    my $e = $resend ? 'resend' : 'pay';
    if ($kind == 0) {
        return generic('/wh/generic', qq({"event_id":"$e-$n","order_number":"$n","amount":100.00,"currency":"USD","status":"paid","provider_reference":"txn-$n"}));
    } elsif ($kind == 1) {
        return stripe(qq({"id":"evt_${e}_$n","type":"payment_intent.succeeded","created":$TS,"data":{"object":{"id":"pi_$n","amount":10000,"currency":"usd","status":"succeeded","metadata":{"order_number":"$n"}}}}));
    }
    return razorpay(qq({"entity":"event","event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_$n","amount":10000,"currency":"USD","status":"captured","notes":{"order_number":"$n"}}}},"created_at":$TS}),
                    "rzp_${e}_$n");
}

my @SCANS = (
    ['in_transit', 'Shenzhen', '2025-01-11T09:00:00Z'],
    ['out_for_delivery', 'Berlin', '2025-01-13T07:00:00Z'],
    ['delivered', 'Berlin', '2025-01-13T10:00:00Z'],
);
sub tracking {
    my ($n, $step, $resend) = @_;
    my $scans = join ',', map {
        qq({"status_code":"$SCANS[$_][0]","location":"$SCANS[$_][1]","occurred_at":"$SCANS[$_][2]"})
    } 0 .. $step;
    my $d = $step == 2 ? '"2025-01-13T10:00:00Z"' : 'null';
    return generic('/wh/tracking', qq({"order_number":"$n","tracking_number":"ZX$n","carrier":"DHL","delivered_at":$d,"resent":$resend,"events":[$scans]}));
}
sub sr_update {
    my ($n, $step, $resend) = @_;
    my @s = (['2023-05-23 11:43:52', 'IN TRANSIT'],
             ['2023-05-25 16:02:10', 'DELIVERED']);
    my $scans = join ',', map {
        qq({"date":"$s[$_][0]","activity":"scan $_","location":"Delhi","sr-status-label":"$s[$_][1]"})
    } 0 .. $step;
    return shiprocket(qq({"awb":"AWB$n","courier_name":"Delhivery","current_status":"$s[$step][1]","order_id":"$n","resent":$resend,"scans":[$scans],"is_return":0}));
}

# per order: a payment, 4 generic refunds of 1.00, 3 generic tracking
# updates (one shipment) and 2 Shiprocket updates (another)
my (@orders, @distinct, @resends);
for my $i (1 .. $ORDERS) {
    my $n = "DUP$RUN-$i";
    my $kind = $i % 3;
    push @orders, $n;
    push @distinct, payment($n, $kind, 0);
    push @distinct, generic('/wh/generic', qq({"event_id":"refund-$n-$_","order_number":"$n","amount":1.00,"currency":"USD","status":"refunded","provider_reference":"txn-$n"}))
        for 1 .. 4;
    push @distinct, tracking($n, $_, 0) for 0 .. 2;
    push @distinct, sr_update($n, $_, 0) for 0 .. 1;
    push @resends, payment($n, $kind, 1);
}
for my $i (1 .. 300) {
    my $n = $orders[$i - 1];
    push @resends, $i % 2 ? tracking($n, $i % 3, 1) : sr_update($n, $i % 2, 1);
}
my @same = map { $distinct[int rand @distinct] } 1 .. 2000;
my @all = shuffle(@distinct, @resends, @same);
is scalar @all, 10 * $ORDERS + 1000 + 2000 - 0, '10,000 deliveries';

my $orders_sql = "COPY orderhooks.orders (order_number, customer_email,"
    . " currency, total_minor) FROM STDIN;\n"
    . join('', map { "$_\tdup\@example.com\tUSD\t10000\n" } @orders) . "\\.\n";
psql(conninfo_for(undef), $orders_sql);

my $ng = nginx_start(workers => 2, pool => 4, server => <<"END");
        orderhooks_tolerance 1h;
        location = /wh/generic {
            orderhooks generic;
            orderhooks_secret $SECRET{generic};
        }
        location = /wh/tracking {
            orderhooks generic;
            orderhooks_source dup_tracking;
            orderhooks_secret $SECRET{generic};
        }
        location = /wh/stripe {
            orderhooks stripe;
            orderhooks_secret $SECRET{stripe};
        }
        location = /wh/razorpay {
            orderhooks razorpay;
            orderhooks_secret $SECRET{razorpay};
        }
        location = /wh/shiprocket {
            orderhooks shiprocket;
            orderhooks_secret $SECRET{shiprocket};
        }
END
END { nginx_stop($ng) if $ng }

my $t0 = time;
my $res = load_run(
    clients => $CLIENTS, port => $ng->{port},
    next => sub {
        my ($c, $seq) = @_;
        my $i = $seq * $CLIENTS + $c;
        return if $i > $#all;
        return [@{$all[$i]}, $i];
    });
my $intake_s = time - $t0;
my %st;
$st{$_->{status}}++ for @$res;
my $recorded = grep { $_->{body} =~ /"status":"recorded"/ } @$res;
my $dups = grep { $_->{body} =~ /"status":"duplicate"/ } @$res;
diag sprintf '%d deliveries in %.1f s: %d recorded, %d duplicate',
    scalar @$res, $intake_s, $recorded, $dups;
is scalar @$res, scalar @all, 'every delivery answered';
is $st{200} // 0, scalar @all, 'every delivery got 200';
is $recorded, 8000, '8,000 recorded (7,000 distinct + 1,000 new ids)';
is $dups, 2000, '2,000 re-deliveries answered duplicate';

my $c = conninfo_for(undef);
my $like = "DUP$RUN-%";
my $rows = psql($c, "SELECT count(*) FROM orderhooks.webhook_events WHERE"
    . " state <> 'rejected' AND convert_from(body, 'UTF8') LIKE '%DUP$RUN-%';\n");
is $rows, 8000, 'one row per distinct webhook';

# Shuffled, a refund or tracking update may be queued before its
# order's payment: it waits early_retry (1 s here) once, so drain twice.
$t0 = time;
my $out = `"$ENV{TEST_NGINX_WORKER}" --once --db "$c" --set log_level=error --set early_retry=1s 2>&1`;
is $? >> 8, 0, 'worker drained the queue' or diag $out;
diag sprintf 'drained in %.1f s', time - $t0;
my $early = psql($c, "SELECT count(*) FROM orderhooks.webhook_events"
    . " WHERE state = 'retry' AND convert_from(body, 'UTF8') LIKE '%DUP$RUN-%';\n");
diag "$early waited for their order's payment";
select undef, undef, undef, 1.2;
$out = `"$ENV{TEST_NGINX_WORKER}" --once --db "$c" --set log_level=error --set early_retry=1s 2>&1`;
is $? >> 8, 0, 'second pass' or diag $out;

is psql($c, "SELECT state, count(*) FROM orderhooks.webhook_events"
    . " WHERE convert_from(body, 'UTF8') LIKE '%DUP$RUN-%'"
    . " GROUP BY 1;\n"), 'done|8000', 'every webhook done';
is psql($c, "SELECT count(*) FROM orderhooks.webhook_events"
    . " WHERE convert_from(body, 'UTF8') LIKE '%DUP$RUN-%'"
    . " AND attempts > 2;\n"), '0', 'each in one attempt, or two after waiting';

my $sums = psql($c, <<"END");
SELECT count(*), sum(paid_minor), sum(refunded_minor),
       count(*) FILTER (WHERE status IN ('paid', 'shipped', 'delivered')),
       count(*) FILTER (WHERE paid_minor = 10000 AND refunded_minor = 400)
  FROM orderhooks.orders WHERE order_number LIKE '$like';
SELECT count(*), count(DISTINCT p.provider_payment_id), sum(p.amount_minor)
  FROM orderhooks.payments p JOIN orderhooks.orders o ON o.id = p.order_id
 WHERE o.order_number LIKE '$like';
SELECT count(*), count(DISTINCT f.provider_refund_id), sum(f.amount_minor)
  FROM orderhooks.refunds f JOIN orderhooks.orders o ON o.id = f.order_id
 WHERE o.order_number LIKE '$like';
SELECT count(*) FROM orderhooks.payment_reconciliation r
  JOIN orderhooks.orders o ON o.id = r.order_id
 WHERE o.order_number LIKE '$like';
SELECT count(DISTINCT s.id), count(*)
  FROM orderhooks.tracking_events t
  JOIN orderhooks.shipments s ON s.id = t.shipment_id
  JOIN orderhooks.orders o ON o.id = s.order_id
 WHERE o.order_number LIKE '$like';
SELECT count(*) FROM (
  SELECT h.webhook_event_id FROM orderhooks.order_status_history h
    JOIN orderhooks.orders o ON o.id = h.order_id
   WHERE o.order_number LIKE '$like' AND h.webhook_event_id IS NOT NULL
   GROUP BY 1 HAVING count(*) > 1) x;
END
my $O = $ORDERS;
is $sums, join("\n",
    join('|', $O, 10000 * $O, 400 * $O, $O, $O),   # orders
    join('|', $O, $O, 10000 * $O),                 # payments
    join('|', 4 * $O, 4 * $O, 400 * $O),           # refunds
    $O,                                            # reconciliations
    join('|', 2 * $O, 5 * $O),                     # shipments, scans
    0),                                            # doubled history
    'exactly once: payments, refunds, reconciliation, scans, history';

my $log = nginx_stop($ng);
undef $ng;
unlike $log, qr/\[(alert|crit|emerg)\]/, 'no alert/crit in the error log';

done_testing;
