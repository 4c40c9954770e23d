# A batch whose writes fail is rolled back and applied again event by
# event under savepoints: the failing event alone is dead (data error) or
# retried (any other error); its neighbours are applied once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WorkerTest;

my $p = prefix();

# The database refuses to update two of the orders: one with a data
# error (SQLSTATE 23514, as a check constraint would), one with an error
# that may pass (P0001).  Only orders of this test are affected.
sql(qq{
CREATE OR REPLACE FUNCTION orderhooks.t125_refuse() RETURNS trigger
LANGUAGE plpgsql AS \$\$
BEGIN
    IF NEW.order_number = '${p}DATA' THEN
        RAISE EXCEPTION 'refused by test' USING ERRCODE = 'check_violation';
    ELSIF NEW.order_number = '${p}SOFT' THEN
        RAISE EXCEPTION 'busy, try later' USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END \$\$});
sql(q{CREATE TRIGGER t125_refuse BEFORE UPDATE ON orderhooks.orders
      FOR EACH ROW EXECUTE FUNCTION orderhooks.t125_refuse()});

my @ids;
for my $n ('OK1', 'DATA', 'OK2', 'SOFT', 'OK3') {
    create_order("${p}$n", 'USD', 1000);
    push @ids, insert_event('generic',
        qq({"event_id":"${p}e$n","order_number":"${p}$n","amount":10.00,"currency":"USD","status":"paid","provider_reference":"txn_${p}$n"}));
}

my ($rc, $log) = run_worker();
sql(q{DROP TRIGGER t125_refuse ON orderhooks.orders});
sql(q{DROP FUNCTION orderhooks.t125_refuse()});

is $rc, 0, 'worker --once exits 0';
my ($retry_log) = grep { ($_->{msg} // '') eq 'batch failed, retrying event by event' } @$log;
ok $retry_log, 'the failed batch is logged once';
is $retry_log->{sqlstate}, '23514', 'with the first error' if $retry_log;

my %e = map { $_ => event_row($ids[$_]) } 0 .. 4;
for my $i (0, 2, 4) {
    is $e{$i}{state}, 'done', "neighbour $i applied";
    is $e{$i}{attempts}, 1, "neighbour $i: one attempt";
}
is order_row("${p}OK1")->{status}, 'paid', 'neighbour order paid';
is order_row("${p}OK3")->{paid_minor}, 1000, 'neighbour paid once';
is sql_row(q{SELECT count(*) AS n FROM orderhooks.payments
             WHERE provider_payment_id = :'r'}, r => "txn_${p}OK2")->{n}, 1,
   'neighbour payment stored once';
is sql_row(q{SELECT count(*) AS n FROM orderhooks.order_status_history h
             JOIN orderhooks.orders o ON o.id = h.order_id
             WHERE o.order_number = :'n'}, n => "${p}OK2")->{n}, 1,
   'neighbour history written once';

is $e{1}{state}, 'dead', 'data error: dead at once';
like $e{1}{last_error}, qr/refused by test/, 'data error kept';
is order_row("${p}DATA")->{status}, 'pending_payment', 'its order untouched';
is sql_row(q{SELECT count(*) AS n FROM orderhooks.payments
             WHERE provider_payment_id = :'r'}, r => "txn_${p}DATA")->{n}, 0,
   'its payment rolled back';

is $e{3}{state}, 'retry', 'other error: retried';
like $e{3}{last_error}, qr/busy, try later/, 'other error kept';
ok $e{3}{due_in} > 0, 'retried after the backoff';
is order_row("${p}SOFT")->{status}, 'pending_payment', 'its order untouched';

# once the database accepts it, the retried event applies
sql(q{UPDATE orderhooks.webhook_events SET next_attempt_at = now()
      WHERE id = :'id'}, id => $ids[3]);
($rc) = run_worker();
is event_row($ids[3])->{state}, 'done', 'retried event applied later';
is order_row("${p}SOFT")->{status}, 'paid', 'its order paid';

done_testing;
