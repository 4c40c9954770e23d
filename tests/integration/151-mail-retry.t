# Delivery failures: the listener is down (retry with backoff, delivered
# once it is back), a permanent 550 (failed, the server's answer kept),
# the backoff used up (failed), and the admin commands that list and
# resend notifications.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);
use IPC::Open3 qw(open3);
use Symbol qw(gensym);
use MailSink;
use WorkerTest;

my $p = prefix();
my $sink = MailSink->new(port => MailSink::port(1));
my @mail = $sink->worker_args(mail_backoff => '1s,1s', backoff_jitter => 0);

my $admin_bin = $ENV{TEST_NGINX_ADMIN} || 'build/bin/orderhooks-admin';

sub admin {
    my @args = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, $admin_bin, '--db', conninfo(),
                    @args);
    close $in;
    local $/;
    my $o = <$out> // '';
    my $e = <$err> // '';
    waitpid $pid, 0;
    return ($? >> 8, $o, $e);
}

sub note_of {
    my ($n) = @_;
    return sql_row(q{SELECT n.id, n.state, n.attempts, n.last_error,
            n.message_id, n.sending_until,
            extract(epoch FROM n.next_attempt_at - now()) AS due_in
          FROM orderhooks.notifications n JOIN orderhooks.orders o
            ON o.id = n.order_id WHERE o.order_number = :'n'}, n => $n);
}

sub pay {
    my ($n) = @_;
    insert_event('generic', qq({"order_number":"$n","amount":10,"currency":"EUR","status":"paid","provider_reference":"txn_$n"}));
}

sub mails_for {
    my ($n) = @_;
    return grep { $_->{subject} =~ /\Q$n\E\b/ } $sink->messages;
}

# --- outage: nothing listens ----------------------------------------------
my $o = "${p}OUT";
create_order($o, 'EUR', 1000);
pay($o);
my ($rc, $log) = run_worker(@mail);
is $rc, 0, 'worker exits 0 while the mail server is down';
my $r = note_of($o);
is $r->{state}, 'retry', 'notification waits for a retry';
is $r->{attempts}, 1, 'one attempt counted';
like $r->{last_error}, qr/connect|refused/i, 'connection error kept';
ok $r->{due_in} > 0 && $r->{due_in} <= 1.5, 'due after the first backoff step';
ok((grep { ($_->{msg} // '') eq 'notification retried' } @$log),
   'retry logged');
is order_row($o)->{status}, 'paid', 'the order moved regardless';

# the listener comes back: the next run delivers it, once
$sink->start;
run_worker(@mail);
is note_of($o)->{state}, 'retry', 'not due yet: left alone';
is scalar(mails_for($o)), 0, 'nothing sent before it is due';
sleep 1.2;
run_worker(@mail);
$r = note_of($o);
is $r->{state}, 'sent', 'sent after the outage';
is $r->{attempts}, 2, 'on the second attempt';
is $r->{last_error}, undef, 'error cleared once sent';
my @m = mails_for($o);
is scalar(@m), 1, 'exactly one message received';
is $m[0]{h}{'message-id'}, $r->{message_id}, 'with the stored Message-ID';
run_worker(@mail);
is scalar(mails_for($o)), 1, 'a further run sends nothing more';

# --- permanent refusal: 550 for the recipient -----------------------------
$sink->stop;
$sink->start('--reject-rcpt', '^bounce@');
my $b = "${p}BNC";
create_order($b, 'EUR', 1000);
sql(q{UPDATE orderhooks.orders SET customer_email = 'bounce@example.com'
      WHERE order_number = :'n'}, n => $b);
pay($b);
($rc, $log) = run_worker(@mail);
$r = note_of($b);
is $r->{state}, 'failed', '550: failed at once';
is $r->{attempts}, 1, 'after one attempt';
is $r->{last_error},
    '550 5.1.1 <bounce@example.com>: Recipient address rejected: User unknown',
    "the server's answer is kept";
is scalar(mails_for($b)), 0, 'nothing stored for the refused recipient';
ok((grep { ($_->{msg} // '') eq 'notification failed'
           && $_->{level} eq 'warn' } @$log), 'failure logged as a warning');
my $bounce_id = $r->{id};
my $bounce_msgid = $r->{message_id};

# --- the backoff used up: failed with the last error ----------------------
$sink->stop;
my $g = "${p}GONE";
create_order($g, 'EUR', 1000);
pay($g);
run_worker(@mail);
is note_of($g)->{state}, 'retry', 'first failure: retry';
sleep 1.2;
run_worker(@mail);
is note_of($g)->{state}, 'retry', 'second failure: retry';
sleep 1.2;
run_worker(@mail);
$r = note_of($g);
is $r->{state}, 'failed', 'backoff used up: failed';
is $r->{attempts}, 3, 'after 1 + 2 retries';
like $r->{last_error}, qr/connect|refused/i, 'last error kept';

# --- admin: list by state, resend -----------------------------------------
SKIP: {
    skip "no admin binary at $admin_bin", 10 unless -x $admin_bin;
    my ($arc, $out) = admin('notifications', 'list', '--state', 'failed');
    is $arc, 0, 'notifications list --state failed';
    like $out, qr/^\Q$bounce_id\E\s.*\Q$b\E\s+order_confirmation\s+failed\s+1\s.*550 5\.1\.1/m,
        'lists the refused one with its error';
    unlike $out, qr/\Q$o\E/, 'not the sent one';
    ($arc, $out) = admin('notifications', 'list', '--state', 'bogus');
    is $arc, 2, 'unknown state is a usage error';

    # the customer's address is fixed; resend the same notification
    sql(q{UPDATE orderhooks.notifications SET recipient = 'fixed@example.com'
          WHERE id = :'id'}, id => $bounce_id);
    ($arc, $out) = admin('notifications', 'resend', $bounce_id);
    is $arc, 0, 'resend';
    like $out, qr/is pending again, Message-ID \Q$bounce_msgid\E/,
        'resend keeps the Message-ID';
    is note_of($b)->{state}, 'pending', 'pending again';
    $sink->start('--reject-rcpt', '^bounce@');
    run_worker(@mail);
    my @bm = mails_for($b);
    is scalar(@bm), 1, 'resent message received';
    is $bm[0]{h}{'message-id'}, $bounce_msgid, 'same Message-ID';
    ($arc, undef, my $err) = admin('notifications', 'resend', '999999999');
    is $arc, 1, 'resend of an unknown id fails';
}

$sink->stop;
done_testing;
