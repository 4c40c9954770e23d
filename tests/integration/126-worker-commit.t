# synchronous_commit: batches commit with "off" by default, with the
# server's setting when it is on; log lines stay one JSON object each,
# numbers as numbers, escapes intact, even for long values.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WorkerTest;

my $p = prefix();
my ($rc, $log);

# A probe trigger records the setting in force in the transaction that
# updates an order, i.e. in the worker's batch.
sql(q{CREATE TABLE IF NOT EXISTS public.oh_commit_probe
    (order_number text, setting text)});
sql(q{CREATE OR REPLACE FUNCTION public.oh_commit_probe() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO public.oh_commit_probe
            VALUES (NEW.order_number, current_setting('synchronous_commit'));
        RETURN NULL;
    END $$});
sql(q{DROP TRIGGER IF EXISTS oh_commit_probe ON orderhooks.orders});
sql(q{CREATE TRIGGER oh_commit_probe AFTER UPDATE ON orderhooks.orders
    FOR EACH ROW EXECUTE FUNCTION public.oh_commit_probe()});

sub pay {
    my ($n) = @_;
    create_order($n, 'USD', 1000);
    return insert_event('generic', qq({"event_id":"$n-e","order_number":"$n","amount":10.00,"currency":"USD","status":"paid","provider_reference":"txn_$n"}));
}

sub probe {
    my ($n) = @_;
    return sql_row(q{SELECT setting FROM public.oh_commit_probe
        WHERE order_number = :'n'}, n => $n)->{setting};
}

my $server = sql_row(q{SELECT current_setting('synchronous_commit') AS s})->{s};
is $server, 'on', 'the test server commits synchronously';

my $e1 = pay("${p}C1");
($rc, $log) = run_worker();
is $rc, 0, 'worker exits 0';
is event_row($e1)->{state}, 'done', 'default: event applied';
is order_row("${p}C1")->{status}, 'paid', 'default: order paid';
is probe("${p}C1"), 'off', 'default: the batch commits asynchronously';

my $e2 = pay("${p}C2");
($rc, $log) = run_worker('--set', 'synchronous_commit=on');
is $rc, 0, 'worker with synchronous_commit=on exits 0';
is event_row($e2)->{state}, 'done', 'on: event applied';
is probe("${p}C2"), 'on', 'on: the batch commits synchronously';

# the session outside the batch keeps the server's setting
is sql_row(q{SELECT current_setting('synchronous_commit') AS s})->{s},
    'on', 'other sessions unaffected';

# log lines (written per batch at once): each one JSON object, numbers
# as numbers (tests/unit/test_log.c checks escaping and long lines)
my $e3 = insert_event('generic', qq({"event_id":"${p}odd","order_number":"${p}none","amount":1,"currency":"USD","status":"paid"}));
($rc, $log) = run_worker('--set', 'log_level=debug');
is scalar(grep { exists $_->{raw} } @$log), 0, 'every log line parses as JSON';
my ($line) = grep { ($_->{webhook_id} // 0) == $e3 } @$log;
ok $line, 'a line for the event';
like $line->{webhook_id}, qr/^\d+$/, 'webhook_id is a number';
is $line->{webhook_id} + 0, $e3, 'webhook_id exact';
is $line->{state}, 'retry', 'unknown order: retry';

done_testing();
