# Chaos: SIGKILL orderhooks-worker over and over while it drains 20,000
# events (payments, resends, refunds, tracking, late updates for 2,000
# orders of four payment providers).  Two databases receive the same
# events: one is drained by a worker left alone, the other by workers
# killed at random instants.  Both must end in the same state, row for row,
# and no event may be applied twice.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use POSIX qw(WNOHANG);
use ChaosTest;

my $ORDERS = $ENV{OH_CHAOS_ORDERS} // 2000;    # x 10 events each
srand(20251122);

# ---- the events -----------------------------------------------------------

my @PAY = (
    # provider, currency, payment, resend, late failure, refund(k)
    ['generic', 'USD',
     sub { qq({"event_id":"pay-$_[0]","order_number":"$_[0]","amount":100.00,"currency":"USD","status":"paid","provider_reference":"txn-$_[0]"}) },
     sub { qq({"event_id":"resend-$_[0]","order_number":"$_[0]","amount":100.00,"currency":"USD","status":"paid","provider_reference":"txn-$_[0]"}) },
     sub { qq({"event_id":"fail-$_[0]","order_number":"$_[0]","amount":100.00,"currency":"USD","status":"failed","provider_reference":"txn-$_[0]"}) },
     sub { qq({"event_id":"refund-$_[0]-$_[1]","order_number":"$_[0]","amount":1.00,"currency":"USD","status":"refunded","provider_reference":"txn-$_[0]"}) }],
    ['stripe', 'EUR',
     sub { qq({"id":"evt_pay_$_[0]","type":"payment_intent.succeeded","data":{"object":{"id":"pi_$_[0]","object":"payment_intent","amount":10000,"currency":"eur","status":"succeeded","metadata":{"order_number":"$_[0]"}}}}) },
     sub { qq({"id":"evt_resend_$_[0]","type":"payment_intent.succeeded","data":{"object":{"id":"pi_$_[0]","object":"payment_intent","amount":10000,"currency":"eur","status":"succeeded","metadata":{"order_number":"$_[0]"}}}}) },
     sub { qq({"id":"evt_fail_$_[0]","type":"payment_intent.payment_failed","data":{"object":{"id":"pi_$_[0]","object":"payment_intent","amount":10000,"currency":"eur","status":"requires_payment_method","metadata":{"order_number":"$_[0]"}}}}) },
     sub { qq({"id":"evt_re_$_[0]_$_[1]","type":"refund.updated","data":{"object":{"id":"re_$_[0]_$_[1]","object":"refund","payment_intent":"pi_$_[0]","amount":100,"currency":"eur","status":"succeeded"}}}) }],
    ['razorpay', 'INR',
     sub { qq({"entity":"event","event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_$_[0]","amount":10000,"currency":"INR","status":"captured","notes":{"order_number":"$_[0]"}}}}}) },
     sub { qq({"entity":"event","event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_$_[0]","amount":10000,"currency":"INR","status":"captured","method":"upi","notes":{"order_number":"$_[0]"}}}}}) },
     sub { qq({"entity":"event","event":"payment.failed","payload":{"payment":{"entity":{"id":"pay_$_[0]","amount":10000,"currency":"INR","status":"failed","notes":{"order_number":"$_[0]"}}}}}) },
     sub { qq({"entity":"event","event":"refund.processed","payload":{"refund":{"entity":{"id":"rfnd_$_[0]_$_[1]","payment_id":"pay_$_[0]","amount":100,"currency":"INR","status":"processed"}}}}) }],
    ['stitch', 'ZAR',
     sub { qq({"type":"payment","data":{"id":"pr_$_[0]","externalReference":"$_[0]","amount":{"quantity":"100.00","currency":"ZAR"},"status":{"__typename":"PaymentComplete"}}}) },
     sub { qq({"type":"payment.confirmation","data":{"id":"pr_$_[0]","externalReference":"$_[0]","amount":{"quantity":"100.00","currency":"ZAR"},"status":{"__typename":"PaymentComplete"}}}) },
     sub { qq({"type":"payment","data":{"id":"pr_$_[0]","externalReference":"$_[0]","amount":{"quantity":"100.00","currency":"ZAR"},"status":{"__typename":"PaymentExpired"}}}) },
     sub { qq({"type":"refund","data":{"id":"rf_$_[0]_$_[1]","paymentRequestId":"pr_$_[0]","amount":{"quantity":"1.00","currency":"ZAR"},"status":{"__typename":"RefundCompleted"}}}) }],
);

sub track_generic {
    my ($n, $step) = @_;
    my @scans = (
        qq({"status_code":"in_transit","status_label":"In transit","description":"Departed origin","location":"Shenzhen","occurred_at":"2025-01-11T09:00:00Z"}),
        qq({"status_code":"out_for_delivery","status_label":"Out for delivery","description":"With courier","location":"Berlin","occurred_at":"2025-01-13T07:00:00Z"}),
        qq({"status_code":"delivered","status_label":"Delivered","description":"Front door","location":"Berlin","occurred_at":"2025-01-13T10:00:00Z"}),
    );
    my $late = $step == 3 ? 'true' : 'false';
    my $upto = $step == 3 ? 0 : $step;
    my $delivered = $upto == 2 ? '"2025-01-13T10:00:00Z"' : 'null';
    return qq({"order_number":"$n","tracking_number":"ZX$n","carrier":"DHL","tracking_url":"https://t.example/ZX$n","shipped_at":"2025-01-10T14:20:00Z","delivered_at":$delivered,"resent":$late,"events":[)
         . join(',', @scans[0 .. $upto]) . ']}';
}

sub track_shiprocket {
    my ($n, $step) = @_;
    my @scans = (
        qq({"date":"2023-05-23 11:43:52","status":"X-PPOM","activity":"In Transit - Shipment picked up","location":"Jaipur","sr-status":"18","sr-status-label":"IN TRANSIT"}),
        qq({"date":"2023-05-25 08:10:00","status":"X-DDD3FD","activity":"Out for delivery","location":"Delhi","sr-status":"17","sr-status-label":"OUT FOR DELIVERY"}),
        qq({"date":"2023-05-25 16:02:10","status":"DLVD","activity":"Delivered","location":"Delhi","sr-status":"7","sr-status-label":"DELIVERED"}),
    );
    my @cur = (['IN TRANSIT', '23 05 2023 11:43:52'],
               ['OUT FOR DELIVERY', '25 05 2023 08:10:00'],
               ['DELIVERED', '25 05 2023 16:02:10']);
    my $upto = $step == 3 ? 0 : $step;
    return qq({"awb":"AWB$n","courier_name":"Delhivery Surface","current_status":"$cur[$upto][0]","current_timestamp":"$cur[$upto][1]","order_id":"$n","sr_order_id":$step,"scans":[)
         . join(',', @scans[0 .. $upto]) . qq(],"is_return":0});
}

# rounds of events over all orders, so each batch touches many orders:
# payment, resend, 3 refunds, in transit, out for delivery, delivered,
# a late in-transit, a late payment failure
my (@orders, @events);
for my $i (1 .. $ORDERS) {
    my $n = sprintf 'KILL-%05d', $i;
    my $p = $PAY[$i % 4];
    push @orders, [$n, $p->[1], 10000];
}
my @rounds = (
    sub { my ($n, $p) = @_; [$p->[0], $p->[2]->($n)] },
    sub { my ($n, $p) = @_; [$p->[0], $p->[3]->($n)] },
    (map { my $k = $_; sub { my ($n, $p) = @_; [$p->[0], $p->[5]->($n, $k)] } } 1 .. 3),
    (map { my $s = $_; sub {
        my ($n, $p, $i) = @_;
        $i % 2 ? ['shiprocket', track_shiprocket($n, $s)]
               : ['generic', track_generic($n, $s)] } } 0 .. 3),
    sub { my ($n, $p) = @_; [$p->[0], $p->[4]->($n)] },
);
for my $r (@rounds) {
    for my $i (1 .. $ORDERS) {
        push @events, $r->($orders[$i - 1][0], $PAY[$i % 4], $i);
    }
}
is scalar @events, 10 * $ORDERS, scalar(@events) . ' events';

# load(conninfo): the orders (the checkout's INSERT), then every event in
# one INSERT in the order above (ids follow it)
sub load {
    my ($c) = @_;
    my $sql = "BEGIN;\nCREATE TEMP TABLE o (n text, c text, t bigint);\n"
            . "COPY o FROM STDIN;\n"
            . join('', map { join("\t", @$_) . "\n" } @orders) . "\\.\n"
            . "INSERT INTO orderhooks.orders (order_number, customer_email,"
            . " currency, total_minor) SELECT n, 'chaos\@example.com', c, t"
            . " FROM o ORDER BY n;\n"
            . "CREATE TEMP TABLE e (seq int, provider text, body text);\n"
            . "COPY e FROM STDIN;\n";
    my $seq = 0;
    for my $e (@events) {
        $sql .= join("\t", ++$seq, @$e) . "\n";
    }
    $sql .= "\\.\n"
          . "INSERT INTO orderhooks.webhook_events (source, provider,"
          . " event_id, body, body_size) SELECT provider, provider,"
          . " 'sha256:' || encode(sha256(convert_to(body, 'UTF8')), 'hex'),"
          . " convert_to(body, 'UTF8'), octet_length(body) FROM e"
          . " ORDER BY seq;\nCOMMIT;\n";
    psql($c, $sql);
}

sub pending {
    my ($c) = @_;
    return psql($c, "SELECT count(*) FROM orderhooks.webhook_events"
                  . " WHERE state IN ('pending', 'retry');\n");
}

sub spawn_worker {
    my ($c) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        { exec $ENV{TEST_NGINX_WORKER}, '--once', '--db', $c,
               '--set', 'log_level=error' }
        POSIX::_exit(127);
    }
    return $pid;
}

my ($calm, $killed) = ("oh_chaos_calm_$$", "oh_chaos_killed_$$");
my $C = create_db($calm);
my $K = create_db($killed);
END { eval { drop_db($_) } for grep { defined } $calm, $killed }
load($C);
load($K);
is pending($K), 10 * $ORDERS, 'every event pending';

# the calm run
my $t0 = time;
my $pid = spawn_worker($C);
waitpid $pid, 0;
is $? >> 8, 0, 'calm worker exits 0';
my $calm_s = time - $t0;
is pending($C), 0, sprintf('calm run drained in %.1f s', $calm_s);

# the killed run: start a worker, SIGKILL it after 20-300 ms, again and
# again, until one finishes the queue by itself
my ($kills, $progress, $rounds) = (0, 0, 0);
$t0 = time;
while (time - $t0 < 150) {
    $rounds++;
    my $before = pending($K);
    $pid = spawn_worker($K);
    my $deadline = time + 0.02 + rand(0.28);
    my $exited = 0;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) { $exited = 1; last }
        sleep 0.005;
    }
    if ($exited) {
        is $? >> 8, 0, 'the last worker drained the queue and exited 0';
        last;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    $kills++;
    $progress++ if pending($K) < $before;
}
my $left = pending($K);
is $left, 0, sprintf('killed run drained in %.1f s', time - $t0);
ok $kills >= 10, "the worker was killed $kills times";
ok $progress >= 5, "$progress kills came after some progress";
diag sprintf('%d kills in %d rounds', $kills, $rounds);

# nothing applied twice: every event done (or ignored) in exactly one
# attempt, one row per payment / refund / scan
my $k = psql($K, <<'END');
SELECT state, attempts, count(*) FROM orderhooks.webhook_events
 GROUP BY 1, 2 ORDER BY 1, 2;
END
is $k, 'done|1|' . 10 * $ORDERS, 'killed run: every event done, one attempt each'
    or diag $k;
my $counts = psql($K, <<'END');
SELECT (SELECT count(*) FROM orderhooks.payments),
       (SELECT count(*) FROM orderhooks.refunds),
       (SELECT count(*) FROM orderhooks.tracking_events),
       (SELECT count(*) FROM orderhooks.payment_reconciliation),
       (SELECT sum(paid_minor) FROM orderhooks.orders),
       (SELECT sum(refunded_minor) FROM orderhooks.orders),
       (SELECT string_agg(DISTINCT status, ',') FROM orderhooks.orders);
END
is $counts, join('|', $ORDERS, 3 * $ORDERS, 3 * $ORDERS, $ORDERS,
                 10000 * $ORDERS, 300 * $ORDERS, 'delivered'),
    'one payment, 3 refunds and 3 scans per order; sums exact';
my $twice = psql($K, <<'END');
SELECT count(*) FROM (SELECT webhook_event_id FROM orderhooks.order_status_history
  WHERE webhook_event_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) x;
END
is $twice, 0, 'no webhook caused two history rows';

# the same final state as the calm run, row for row
my ($dc, $dk) = (canonical_dump($C), canonical_dump($K));
ok length($dc) > 100_000, 'the dump is not empty';
if ($dc eq $dk) {
    pass 'killed run == calm run (orders, payments, reconciliation, refunds,'
       . ' shipments, scans, history, webhook states)';
} else {
    fail 'killed run == calm run';
    my @a = split /\n/, $dc;
    my @b = split /\n/, $dk;
    for my $i (0 .. ($#a > $#b ? $#a : $#b)) {
        next if ($a[$i] // '') eq ($b[$i] // '');
        diag "first difference at line $i:\n calm:   "
           . ($a[$i] // '(none)') . "\n killed: " . ($b[$i] // '(none)');
        last;
    }
}

done_testing;
