# Mail configuration: template errors are reported at start-up (file and
# line), inconsistent settings are refused, and SMTP authentication takes
# the password from mail_password_file or $ORDERHOOKS_MAIL_PASSWORD.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use IPC::Open3 qw(open3);
use Symbol qw(gensym);
use Test::More;
use Time::HiRes qw(sleep time);
use MailSink;
use WorkerTest;

my $p = prefix();
my $repo = $ENV{TEST_NGINX_REPO} || "$FindBin::Bin/../..";
my $sink = MailSink->new(port => MailSink::port(3));

# check(@args) -> (exit code, stderr)
sub check {
    my @args = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, worker_bin(), @args);
    close $in;
    local $/;
    my $e = <$err> // '';
    <$out>;
    waitpid $pid, 0;
    return ($? >> 8, $e);
}

sub templates_with {
    my (%files) = @_;
    my $dir = tempdir('oh-tpl-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    opendir my $d, "$repo/packaging/templates" or die;
    copy("$repo/packaging/templates/$_", "$dir/$_") or die
        for grep { /\.(txt|html)\z/ } readdir $d;
    for my $f (keys %files) {
        if (defined $files{$f}) {
            open my $fh, '>', "$dir/$f" or die;
            print $fh $files{$f};
            close $fh;
        } else {
            unlink "$dir/$f";
        }
    }
    return $dir;
}

my ($rc, $err) = check($sink->worker_args, '--check-config');
is $rc, 0, 'the shipped templates load' or diag $err;

my $bad = templates_with('shipped.txt' => "Subject: Shipped {{order_number}}\n\nHello,\n\nTrack: {{trackng_url}}\n");
($rc, $err) = check($sink->worker_args(mail_templates => $bad),
                    '--check-config');
is $rc, 2, 'misspelt placeholder: refused';
like $err, qr/"invalid notification template".*shipped\.txt:5: unknown placeholder \{\{trackng_url\}\}/,
    'reported with file and line';
($rc, $err) = check('--db', conninfo(), '--once',
                    $sink->worker_args(mail_templates => $bad));
is $rc, 2, 'the worker does not start with it either';

$bad = templates_with('delivered.txt' => "Hello {{order_number}}\n");
($rc, $err) = check($sink->worker_args(mail_templates => $bad),
                    '--check-config');
like $err, qr/delivered\.txt:1: the first line must be \\"Subject: \.\.\.\\"/,
    'missing subject line';
$bad = templates_with('order_confirmation.html' => "<p>{{#carrier}}</p>\n");
($rc, $err) = check($sink->worker_args(mail_templates => $bad),
                    '--check-config');
like $err, qr/order_confirmation\.html:1: \{\{#carrier\}\} is never closed/,
    'unclosed section in HTML';
$bad = templates_with('refund_issued.txt' => undef);
($rc, $err) = check($sink->worker_args(mail_templates => $bad),
                    '--check-config');
like $err, qr/refund_issued\.txt: No such file/, 'missing template file';
my $ok = templates_with('shipped.html' => undef);
($rc, $err) = check($sink->worker_args(mail_templates => $ok),
                    '--check-config');
is $rc, 0, 'an HTML template is optional';

($rc, $err) = check($sink->worker_args(mail_from => ''), '--check-config');
isnt $rc, 0, 'mail on without mail_from: refused';
like $err, qr/mail_from/, 'names mail_from';
($rc, $err) = check($sink->worker_args(mail_url => 'http://x'),
                    '--check-config');
like $err, qr/mail_url: smtp:\/\/ or smtps:\/\/ expected/, 'URL scheme';
($rc, $err) = check($sink->worker_args(mail_lease => '10s',
                                       mail_timeout => '30s'),
                    '--check-config');
like $err, qr/mail_lease must be longer than mail_timeout/, 'lease vs timeout';
($rc, $err) = check($sink->worker_args(mail_tls => 'maybe'),
                    '--check-config');
like $err, qr/mail_tls: invalid enum \\"maybe\\"/, 'mail_tls values';
($rc, $err) = check('--set', 'mail_templates=/nonexistent', '--check-config');
is $rc, 0, 'templates are not read while mail is off';

# --- SIGHUP reloads the templates, and keeps them when the new ones are bad --
{
    my $tpl = templates_with();
    my $log = "/tmp/oh-mail-hup-$$.log";
    $sink->start;
    my $d = fork // die;
    if ($d == 0) {
        open STDERR, '>', $log;
        exec worker_bin(), '--db', conninfo(),
            $sink->worker_args(mail_templates => $tpl, poll_interval => '1s');
        exit 127;
    }
    my $mail_for = sub {
        my ($n) = @_;
        create_order($n, 'EUR', 1000);
        insert_event('generic', qq({"order_number":"$n","amount":10,"currency":"EUR","status":"paid","provider_reference":"txn_$n"}));
        my $t0 = time;
        while (time - $t0 < 15) {
            my ($m) = grep { $_->{subject} =~ /\Q$n\E\b/ } $sink->messages;
            return $m->{subject} if $m;
            sleep 0.1;
        }
        return '';
    };
    my $set = sub {
        my ($text) = @_;
        open my $fh, '>', "$tpl/order_confirmation.txt" or die;
        print $fh $text;
        close $fh;
    };
    like $mail_for->("${p}H1"), qr/^Order \Q${p}H1\E confirmed$/,
        'daemon: the shipped subject first';
    $set->("Subject: Thanks for order {{order_number}}\n\nHello,\n");
    kill 'HUP', $d;
    like $mail_for->("${p}H2"), qr/^Thanks for order \Q${p}H2\E$/,
        'SIGHUP: the edited template is used';
    $set->("Subject: Broken {{order_numbr}}\n\nHello,\n");
    kill 'HUP', $d;
    like $mail_for->("${p}H3"), qr/^Thanks for order \Q${p}H3\E$/,
        'SIGHUP with a bad template: the last good set stays';
    kill 'TERM', $d;
    waitpid $d, 0;
    is $? >> 8, 0, 'exit 0 after the reloads';
    $sink->stop;
    open my $fh, '<', $log or die;
    my $all = join '', <$fh>;
    close $fh;
    unlink $log;
    like $all, qr/"msg":"templates reloaded"/, 'reload logged';
    like $all, qr/"templates kept: invalid notification template".*order_confirmation\.txt:1: unknown placeholder \{\{order_numbr\}\}/,
        'bad reload logged with file and line';
}

# --- SMTP authentication ----------------------------------------------------
{
    local $ENV{ORDERHOOKS_MAIL_PASSWORD};
    delete $ENV{ORDERHOOKS_MAIL_PASSWORD};
    ($rc, $err) = check($sink->worker_args(mail_username => 'shop'),
                        '--check-config');
    is $rc, 2, 'a username without a password is refused';
    like $err, qr/no password/, 'says so';
}

$sink->start('--auth', 'shop:s3cret pw');
my $dir = tempdir('oh-pw-XXXXXX', TMPDIR => 1, CLEANUP => 1);
open my $fh, '>', "$dir/pw" or die;
print $fh "s3cret pw\n";
close $fh;

sub order_note {
    my ($n) = @_;
    create_order($n, 'EUR', 1000);
    insert_event('generic', qq({"order_number":"$n","amount":10,"currency":"EUR","status":"paid","provider_reference":"txn_$n"}));
}

sub state_of {
    my ($n) = @_;
    return sql_row(q{SELECT n.state, n.last_error FROM orderhooks.notifications n
        JOIN orderhooks.orders o ON o.id = n.order_id
        WHERE o.order_number = :'n'}, n => $n);
}

order_note("${p}PF");
my ($wrc, $log) = run_worker($sink->worker_args(mail_username => 'shop',
                             mail_password_file => "$dir/pw"));
is state_of("${p}PF")->{state}, 'sent', 'password from mail_password_file';
ok((grep { ($_->{msg} // '') eq 'notification sent' } @$log), 'sent logged');
ok !(grep { (join ' ', values %$_) =~ /s3cret/ } @$log),
    'the password is never logged';

order_note("${p}PE");
{
    local $ENV{ORDERHOOKS_MAIL_PASSWORD} = 's3cret pw';
    run_worker($sink->worker_args(mail_username => 'shop'));
}
is state_of("${p}PE")->{state}, 'sent', 'password from the environment';

order_note("${p}PW");
open $fh, '>', "$dir/pw" or die;
print $fh "wrong\n";
close $fh;
run_worker($sink->worker_args(mail_username => 'shop',
                              mail_password_file => "$dir/pw",
                              mail_backoff => '1m'));
my $s = state_of("${p}PW");
is $s->{state}, 'retry', 'a refused login is retried, not failed';
like $s->{last_error}, qr/^535 /, 'with the server answer';
is scalar(grep { $_->{subject} =~ /\Q${p}PW\E\b/ } $sink->messages), 0,
    'nothing delivered without login';
# leave nothing due behind for the next file
sql(q{UPDATE orderhooks.notifications n SET state = 'failed'
      FROM orderhooks.orders o WHERE o.id = n.order_id
        AND o.order_number = :'n'}, n => "${p}PW");

$sink->stop;
done_testing;
