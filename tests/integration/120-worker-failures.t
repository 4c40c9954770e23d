# Failures: unknown order retried with backoff then dead; malformed dead at
# once; unhandled types ignored; rejected rows untouched.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WorkerTest;

my $p = prefix();

# order not found: retry after 5 min +-10 %, attempts counted
my $id = insert_event('generic', qq({"order_number":"${p}NOPE","amount":1,"currency":"USD","status":"paid"}));
my ($rc, $log) = run_worker();
is $rc, 0, 'exit 0';
my $e = event_row($id);
is $e->{state}, 'retry', 'unknown order -> retry';
is $e->{attempts}, 1, 'one attempt';
is $e->{last_error}, 'order not found', 'last error';
ok $e->{due_in} >= 269 && $e->{due_in} <= 331, "due in ~5 min ($e->{due_in}s)";
ok !defined $e->{processed_at}, 'not processed';

# not due yet: a second run leaves it alone
run_worker();
is event_row($id)->{attempts}, 1, 'not claimed before it is due';

# walk the configured schedule (2 steps) to dead
for my $n (2, 3) {
    sql(q{UPDATE orderhooks.webhook_events SET next_attempt_at = now()
          WHERE id = :'id'}, id => $id);
    run_worker('--set', 'backoff=1s,1s');
}
$e = event_row($id);
is $e->{state}, 'dead', 'dead after the retries are used up';
is $e->{attempts}, 3, 'three attempts';
is $e->{last_error}, 'order not found', 'last error kept';
ok defined $e->{processed_at}, 'processed_at set';

# the order appears while the event is still retrying: applied
my $id2 = insert_event('generic', qq({"order_number":"${p}LATE","amount":1,"currency":"USD","status":"paid","provider_reference":"l$p"}));
run_worker();
is event_row($id2)->{state}, 'retry', 'retry while missing';
create_order("${p}LATE", 'USD', 100);
sql(q{UPDATE orderhooks.webhook_events SET next_attempt_at = now()
      WHERE id = :'id'}, id => $id2);
run_worker();
is event_row($id2)->{state}, 'done', 'applied once the order exists';
is order_row("${p}LATE")->{status}, 'paid', 'order paid';

# malformed: dead at once
my @bad = (
    insert_event('generic', 'not json at all'),
    insert_event('stripe', qq({"type":"payment_intent.succeeded","data":{"object":{"id":"pi_x","amount":"lots","currency":"usd"}}})),
    insert_event('generic', qq({"order_number":"${p}X","amount":1.999,"currency":"USD","status":"paid"})),
);
($rc, $log) = run_worker();
for my $b (@bad) {
    $e = event_row($b);
    is $e->{state}, 'dead', "malformed $b dead";
    is $e->{attempts}, 1, 'after one attempt';
    like $e->{last_error}, qr/^malformed: /, 'reason kept';
}
ok((grep { ($_->{msg} // '') eq 'event dead' } @$log) == 3,
   'each dead event logged once');

# unhandled types: ignored
my @ign = (
    insert_event('stripe', qq({"type":"customer.created","data":{"object":{}}})),
    insert_event('razorpay', qq({"event":"subscription.charged","payload":{}})),
    insert_event('shopify', qq({"id":1})),
    insert_event('github', qq({"action":"completed"})),
);
run_worker();
is event_row($_)->{state}, 'ignored', "unhandled $_ ignored" for @ign;

# rejected rows are never touched
my $rej = insert_event('stripe', qq({"type":"payment_intent.succeeded"}),
                       state => 'rejected', reject_reason => 'signature_mismatch');
run_worker();
$e = event_row($rej);
is $e->{state}, 'rejected', 'rejected row untouched';
is $e->{attempts}, 0, 'no attempt on a rejected row';

done_testing;
