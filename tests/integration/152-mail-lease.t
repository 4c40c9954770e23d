# Sending never holds a transaction and never leaves a notification stuck:
# a worker SIGKILLed while the server sits on the message leaves it
# 'sending' under a lease; nobody takes it while the lease runs; once it
# has run out another worker delivers it with the same Message-ID.  Two
# workers draining many notifications send each exactly once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use MailSink;
use WorkerTest;

my $p = prefix();
my $sink = MailSink->new(port => MailSink::port(2));
my @mail = $sink->worker_args(mail_timeout => '2s', mail_lease => '3s',
                              backoff_jitter => 0);

# note_of(order): its notification's row, or {} while the worker has not
# written it yet (a slow, e.g. sanitized, worker)
sub note_of {
    my ($n) = @_;
    return sql_row(q{SELECT n.state, n.attempts, n.message_id,
            n.sending_until > now() AS leased
          FROM orderhooks.notifications n JOIN orderhooks.orders o
            ON o.id = n.order_id WHERE o.order_number = :'n'}, n => $n) // {};
}

sub pay {
    my ($n) = @_;
    insert_event('generic', qq({"order_number":"$n","amount":10,"currency":"EUR","status":"paid","provider_reference":"txn_$n"}));
}

# --- killed mid-send ------------------------------------------------------
$sink->start('--stall');
my $k = "${p}K";
create_order($k, 'EUR', 1000);
pay($k);
my $pid = fork // die;
END { kill 'KILL', $pid if $pid; }   # never leave the worker behind
if ($pid == 0) {
    open STDERR, '>', '/dev/null';
    exec worker_bin(), '--db', conninfo(), @mail, '--set', 'poll_interval=60s';
    exit 127;
}
my $t0 = time;
sleep 0.05 while (note_of($k)->{state} // '') ne 'sending' && time - $t0 < 10;
sleep 0.3;                       # the message is with the stalled server
my $r = note_of($k);
is $r->{state}, 'sending', 'being sent';
ok $r->{leased}, 'under a lease';
is sql_row(q{SELECT count(*) AS n FROM pg_stat_activity
    WHERE state LIKE 'idle in transaction%'
      AND application_name = 'orderhooks-worker'})->{n}, 0,
    'no transaction held open while the server sits on the message';
kill 'KILL', $pid;
waitpid $pid, 0;
$sink->stop;

$r = note_of($k);
is $r->{state}, 'sending', 'left sending by the killed worker';
is $r->{attempts}, 1, 'one attempt counted';
$sink->start;
run_worker(@mail);
is note_of($k)->{state}, 'sending', 'lease still running: not taken';
is scalar(grep { $_->{subject} =~ /\Q$k\E\b/ } $sink->messages), 0,
    'nothing sent while the lease runs';
sleep 0.1 while note_of($k)->{leased} && time - $t0 < 20;
run_worker(@mail);
$r = note_of($k);
is $r->{state}, 'sent', 'sent once the lease ran out';
is $r->{attempts}, 2, 'on the second attempt';
my @m = grep { $_->{subject} =~ /\Q$k\E\b/ } $sink->messages;
is scalar(@m), 1, 'one message received';
is $m[0]{h}{'message-id'}, $r->{message_id}, 'with the stable Message-ID';

# --- two workers, many notifications: each sent exactly once --------------
my $N = 40;
for my $i (1 .. $N) {
    create_order("${p}M$i", 'EUR', 1000);
    pay("${p}M$i");
}
my @w;
for (1 .. 2) {
    my $c = fork // die;
    if ($c == 0) {
        open STDERR, '>', '/dev/null';
        exec worker_bin(), '--db', conninfo(), '--once', @mail,
            '--set', 'batch_size=5', '--set', 'mail_batch_size=3';
        exit 127;
    }
    push @w, $c;
}
waitpid $_, 0 for @w;
my %seen;
$seen{$_->{h}{'message-id'}}++
    for grep { $_->{subject} =~ /\Q${p}M\E\d+ / } $sink->messages;
is scalar(keys %seen), $N, 'every notification delivered';
is scalar(grep { $_ > 1 } values %seen), 0, 'none delivered twice';
is sql_row(q{SELECT count(*) AS n FROM orderhooks.notifications n
    JOIN orderhooks.orders o ON o.id = n.order_id
    WHERE o.order_number LIKE :'p' AND n.state = 'sent'
      AND n.attempts = 1}, p => "${p}M%")->{n}, $N,
    'all sent, each in one attempt';

$sink->stop;
done_testing;
