# MailSink: runs scripts/mail-sink on loopback for the notification tests
# and reads back what it stored.
#
# Ports: $TEST_MAIL_PORT (default 2525) plus a per-file offset, so files
# never share a listener.
package MailSink;

use strict;
use warnings;
use Encode ();
use File::Temp qw(tempdir);
use FindBin;
use IO::Socket::INET;
use MIME::QuotedPrint qw(decode_qp);
use Time::HiRes qw(sleep time);

my $REPO = $ENV{TEST_NGINX_REPO} || "$FindBin::Bin/../..";

sub port {
    my ($offset) = @_;
    return ($ENV{TEST_MAIL_PORT} || 2525) + $offset;
}

# new(port => N, dir => D (default: a fresh temp dir), args => [...])
sub new {
    my ($class, %o) = @_;
    my $self = bless {
        port => $o{port},
        dir  => $o{dir} // tempdir('oh-mail-XXXXXX', TMPDIR => 1,
                                   CLEANUP => 1),
        args => $o{args} // [],
    }, $class;
    return $self;
}

sub dir { $_[0]{dir} }

sub url { 'smtp://127.0.0.1:' . $_[0]{port} }

# --set arguments that turn mail on against this sink; %over replaces or
# adds settings (mail_backoff => '1s', ...).
sub worker_args {
    my ($self, %over) = @_;
    my %s = (mail => 'on', mail_url => $self->url, mail_tls => 'off',
             mail_templates => "$REPO/packaging/templates",
             mail_from => 'Demo Shop <shop@example.com>',
             mail_reply_to => 'care@example.com',
             mail_support_contact => 'care@example.com',
             log_level => 'info', %over);
    return map { ('--set', "$_=$s{$_}") } sort keys %s;
}

sub start {
    my ($self, @args) = @_;
    die "sink already running\n" if $self->{pid};
    my $pidfile = "$self->{dir}/.sink.pid";
    unlink $pidfile;
    my $pid = fork // die;
    if ($pid == 0) {
        exec $^X, "$REPO/scripts/mail-sink", '--dir', $self->{dir},
            '--listen', "127.0.0.1:$self->{port}", '--pidfile', $pidfile,
            @{ $self->{args} }, @args;
        exit 127;
    }
    my $t0 = time;
    sleep 0.02 until -s $pidfile || time - $t0 > 10;
    die "mail-sink did not start on port $self->{port}\n" unless -s $pidfile;
    $self->{pid} = $pid;
    return $self;
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    waitpid $pid, 0;
    # the port must be free again before the test goes on
    my $t0 = time;
    while (time - $t0 < 5) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$self->{port}",
                                      Timeout => 1) or last;
        close $s;
        sleep 0.05;
    }
}

sub DESTROY { $_[0]->stop }

# Every stored message, oldest first, parsed.
sub messages {
    my ($self) = @_;
    opendir my $d, $self->{dir} or die;
    my @files = sort grep { /\.eml\z/ } readdir $d;
    return map { parse("$self->{dir}/$_") } @files;
}

# Waits until at least $n messages are stored (or $timeout s pass).
sub wait_for {
    my ($self, $n, $timeout) = @_;
    my $t0 = time;
    my @m;
    while (1) {
        @m = $self->messages;
        last if @m >= $n || time - $t0 > ($timeout // 10);
        sleep 0.05;
    }
    return @m;
}

sub headers_of {
    my ($text) = @_;
    $text =~ s/\r?\n[ \t]+/ /g;          # unfold
    my %h;
    for (split /\r?\n/, $text) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $h{lc $k} //= $v;
    }
    return \%h;
}

sub split_head {
    my ($raw) = @_;
    my ($head, $body) = split /\r?\n\r?\n/, $raw, 2;
    return (headers_of($head), $body // '');
}

sub decode_part {
    my ($h, $body) = @_;
    my $t = ($h->{'content-transfer-encoding'} // '') =~ /quoted-printable/i
            ? decode_qp($body) : $body;
    return Encode::decode('UTF-8', $t);
}

# {file, env_from, env_to, h => {headers}, subject, text, html}
sub parse {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!";
    my $raw = do { local $/; <$fh> };
    my ($h, $body) = split_head($raw);
    my %m = (file => $file, h => $h, raw => $raw,
             env_from => $h->{'x-sink-envelope-from'},
             env_to => $h->{'x-sink-envelope-to'},
             subject => Encode::decode('MIME-Header', $h->{subject} // ''));
    if (($h->{'content-type'} // '') =~ /boundary="([^"]+)"/) {
        my $b = quotemeta $1;
        for my $part (split /\r?\n--$b(?:--)?\r?\n?/, "\r\n$body") {
            next unless $part =~ /\S/;
            my ($ph, $pb) = split_head($part);
            my $type = $ph->{'content-type'} // '';
            $m{text} = decode_part($ph, $pb) if $type =~ m{^text/plain};
            $m{html} = decode_part($ph, $pb) if $type =~ m{^text/html};
        }
    } else {
        $m{text} = decode_part($h, $body);
    }
    return \%m;
}

1;
