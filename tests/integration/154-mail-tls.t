# Mail over TLS: STARTTLS on smtp:// and TLS from the first byte on smtps://,
# with the server's certificate verified against mail_ca_file; a server
# that does not offer STARTTLS, or whose certificate the CA did not sign,
# gets nothing when mail_tls = required (the notification is retried, its
# error kept).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use MailSink;
use WorkerTest;

my $p = prefix();
my $dir = tempdir('oh-tls-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# cert(name): a self-signed certificate for localhost / 127.0.0.1
sub cert {
    my ($name) = @_;
    system('sh', '-c', 'exec "$@" 2>/dev/null', 'sh', 'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
           '-days', '1', '-subj', '/CN=localhost',
           '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
           '-keyout', "$dir/$name.key", '-out', "$dir/$name.pem") == 0
        or die "openssl failed\n";
    return ("$dir/$name.pem", "$dir/$name.key");
}
my ($crt, $key) = cert('good');
my ($other) = cert('other');

sub pay {
    my ($n) = @_;
    create_order($n, 'USD', 12999);
    return insert_event('generic', qq({"order_number":"$n","amount":129.99,)
        . qq("currency":"USD","status":"paid","provider_reference":"t_$n"}));
}

sub note_of {
    my ($n) = @_;
    my @r = sql(q{SELECT n.state, coalesce(n.last_error, '') FROM
        orderhooks.notifications n JOIN orderhooks.orders o ON o.id = n.order_id
        WHERE o.order_number = :'n'}, n => $n);
    return @{ $r[0] // [] };
}

# deliver(sink, order, settings...) -> the sink's messages for that order
sub deliver {
    my ($sink, $n, %set) = @_;
    pay($n);
    my ($rc) = run_worker($sink->worker_args(%set));
    is $rc, 0, "$n: worker ran";
    return grep { $_->{subject} =~ /\Q$n\E\b/ } $sink->wait_for(1, 3);
}

# STARTTLS, verified against the CA file
my $st = MailSink->new(port => MailSink::port(4),
                       args => ['--tls-cert', $crt, '--tls-key', $key])->start;
my $a = "${p}A";
my @m = deliver($st, $a, mail_url => 'smtp://localhost:' . MailSink::port(4),
                mail_tls => 'required', mail_ca_file => $crt);
is scalar(@m), 1, 'STARTTLS: the confirmation was delivered';
is $m[0]{h}{'x-sink-tls'}, 'yes', 'STARTTLS: it travelled over TLS';
is((note_of($a))[0], 'sent', 'STARTTLS: notification sent');

# a certificate the configured CA did not sign: refused, retried
my $b = "${p}B";
@m = deliver($st, $b, mail_url => 'smtp://localhost:' . MailSink::port(4),
             mail_tls => 'required', mail_ca_file => $other);
is scalar(@m), 0, 'untrusted certificate: nothing delivered';
my ($state, $err) = note_of($b);
is $state, 'retry', 'untrusted certificate: retried later';
like $err, qr/certificate|SSL|TLS/i, 'untrusted certificate: the error is kept';
$st->stop;

# smtps://: TLS from the first byte
my $ss = MailSink->new(port => MailSink::port(4),
                       args => ['--tls-cert', $crt, '--tls-key', $key,
                                '--smtps'])->start;
my $c = "${p}C";
@m = deliver($ss, $c, mail_url => 'smtps://localhost:' . MailSink::port(4),
             mail_tls => 'required', mail_ca_file => $crt);
is scalar(@m), 1, 'smtps: the confirmation was delivered';
is $m[0]{h}{'x-sink-tls'}, 'yes', 'smtps: it travelled over TLS';
$ss->stop;

# a plain server that offers no STARTTLS: required means nothing is sent
my $pl = MailSink->new(port => MailSink::port(4))->start;
my $d = "${p}D";
@m = deliver($pl, $d, mail_url => 'smtp://localhost:' . MailSink::port(4),
             mail_tls => 'required');
is scalar(@m), 0, 'no STARTTLS offered: nothing sent in plain text';
($state, $err) = note_of($d);
is $state, 'retry', 'no STARTTLS offered: retried later';
ok length $err, "no STARTTLS offered: the error is kept ($err)";
$pl->stop;

done_testing();
