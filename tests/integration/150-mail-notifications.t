# Customer notifications end to end: webhook -> worker (outbox row in the
# apply transaction) -> SMTP listener on loopback.  Asserts on the
# received messages: recipient, subject, amount, tracking link, one
# message per order event even with duplicate webhooks, per shipment,
# clean rendering of missing values, no row for orders without email.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use MailSink;
use WorkerTest;

my $p = prefix();
my $sink = MailSink->new(port => MailSink::port(0))->start;
my @mail = $sink->worker_args;

sub run { my ($rc, $log) = run_worker(@mail); is $rc, 0, 'worker ran'; $log }

# messages for one order, by subject prefix
sub mails_for {
    my ($n) = @_;
    return grep { $_->{subject} =~ /\Q$n\E\b/ } $sink->messages;
}

sub notes {
    my ($n) = @_;
    return [map { "$_->[0]:$_->[1]" } sql(q{
        SELECT n.kind, n.state FROM orderhooks.notifications n
          JOIN orderhooks.orders o ON o.id = n.order_id
         WHERE o.order_number = :'n' ORDER BY n.id}, n => $n)];
}

sub pay {
    my ($n, %o) = @_;
    return insert_event('generic', qq({"order_number":"$n","amount":129.99,"currency":"USD","status":"paid","provider_reference":"txn_$n"}), %o);
}

sub track {
    my ($n, $tn, %o) = @_;
    my $code = delete $o{code} // 'in_transit';
    my $extra = delete $o{extra} // ',"carrier":"DHL Express","tracking_url":"https://track.example/' . $tn . '?lang=en&x=1"';
    my $at = delete $o{at} // '2025-01-11T09:00:00Z';
    return insert_event('generic', qq({"order_number":"$n","tracking_number":"$tn"$extra,"events":[{"status_code":"$code","occurred_at":"$at","location":"Leipzig"}]}), type => 'tracking', %o);
}

# --- confirmation on paid -------------------------------------------------
my $a = "${p}A";
create_order($a, 'USD', 12999);
sql(q{UPDATE orderhooks.orders SET customer_name = 'Ann Example'
      WHERE order_number = :'n'}, n => $a);
pay($a);
run();
my @m = $sink->wait_for(1);
my @ma = mails_for($a);
is scalar(@ma), 1, 'one confirmation received';
my $c = $ma[0];
is $c->{env_to}, '<buyer@example.com>', 'envelope recipient';
is $c->{h}{to}, 'buyer@example.com', 'To header';
is $c->{env_from}, '<shop@example.com>', 'envelope sender from mail_from';
is $c->{h}{from}, 'Demo Shop <shop@example.com>', 'From header';
is $c->{h}{'reply-to'}, 'care@example.com', 'Reply-To header';
is $c->{subject}, "Order $a confirmed", 'subject';
like $c->{text}, qr/^Hello Ann Example,$/m, 'customer name';
like $c->{text}, qr/payment\s+of 129\.99 USD/, 'amount in major units';
like $c->{text}, qr/Contact us at care\@example\.com\./, 'support contact';
like $c->{html}, qr{<strong>\Q$a\E</strong>}, 'HTML part';
my $row = sql_row(q{SELECT n.state, n.attempts, n.message_id, n.recipient,
        n.sent_at IS NOT NULL AS has_sent_at, n.last_error, n.subject
      FROM orderhooks.notifications n JOIN orderhooks.orders o
        ON o.id = n.order_id WHERE o.order_number = :'n'}, n => $a);
is $row->{state}, 'sent', 'notification sent';
is $row->{attempts}, 1, 'in one attempt';
ok $row->{has_sent_at}, 'sent_at set';
is $row->{recipient}, 'buyer@example.com', 'recipient stored';
is $row->{subject}, "Order $a confirmed", 'subject stored';
like $row->{message_id}, qr/^<oh\.[0-9a-f]{32}\@example\.com>$/,
    'Message-ID on the sender domain';
is $c->{h}{'message-id'}, $row->{message_id}, 'message carries it';

# duplicate webhooks: same payment again under other event ids, a
# duplicate delivery of the same event id (kept once by the intake index)
pay($a, event_id => "dup1-$p");
pay($a, event_id => "dup2-$p");
eval { pay($a, event_id => "dup2-$p") };
ok $@, 'duplicate event id refused by the intake index';
run();
is scalar(mails_for($a)), 1, 'duplicate payment webhooks: still one message';

# --- shipped, duplicates, later scans, delivered --------------------------
track($a, "TN1$p");
track($a, "TN1$p", event_id => "trk-dup-$p");
run();
track($a, "TN1$p", at => '2025-01-12T09:00:00Z');
run();
my @ship = grep { $_->{subject} =~ /on its way/ } mails_for($a);
is scalar(@ship), 1, 'one shipped message for two deliveries and a later scan';
like $ship[0]{text}, qr{^Track your parcel: https://track\.example/TN1\Q$p\E\?lang=en&x=1$}m,
    'tracking link in the text part';
like $ship[0]{text}, qr/^Carrier: DHL Express$/m, 'carrier';
like $ship[0]{text}, qr/^Tracking number: TN1\Q$p\E$/m, 'tracking number';
like $ship[0]{html}, qr{<a href="https://track\.example/TN1\Q$p\E\?lang=en&amp;x=1">},
    'tracking link escaped in HTML';
track($a, "TN1$p", code => 'delivered', at => '2025-01-13T09:00:00Z');
run();
# a late in-transit scan after delivery sends nothing
track($a, "TN1$p", at => '2025-01-12T10:00:00Z');
run();
my @del = grep { $_->{subject} =~ /delivered/ } mails_for($a);
is scalar(@del), 1, 'one delivered message';
like $del[0]{text}, qr/delivered by DHL Express\./, 'delivered text';
is_deeply notes($a), ['order_confirmation:sent', 'shipped:sent',
    'delivered:sent'], 'one notification per kind';
is scalar(mails_for($a)), 3, 'three messages in all for the order';
my %ids = map { $_->{h}{'message-id'} => 1 } mails_for($a);
is scalar(keys %ids), 3, 'each with its own Message-ID';

# --- missing values render cleanly ----------------------------------------
my $b = "${p}B";
create_order($b, 'USD', 12999);
pay($b);
track($b, "TNB$p", extra => '');
run();
my ($bc) = grep { $_->{subject} =~ /confirmed/ } mails_for($b);
like $bc->{text}, qr/^Hello,$/m, 'no name: "Hello," with no gap';
my ($bs) = grep { $_->{subject} =~ /on its way/ } mails_for($b);
ok $bs, 'shipped without carrier or link';
unlike $bs->{text}, qr/Carrier|Track your parcel/, 'no empty lines for them';
like $bs->{text}, qr/^Tracking number: TNB\Q$p\E\nWe will let you know/m,
    'inverted section shown, no blank gaps';
unlike join('', map { $_->{raw} } $sink->messages), qr/\{\{|\}\}/,
    'no template syntax in any message';

# --- one shipped message per shipment -------------------------------------
my $s = "${p}S";
create_order($s, 'USD', 12999);
pay($s);
run();
insert_event('generic', qq({"order_number":"$s","order_item_id":1,"tracking_number":"P1$p","tracking_url":"https://track.example/P1$p","events":[{"status_code":"in_transit","occurred_at":"2025-01-11T09:00:00Z"}]}), type => 'tracking');
insert_event('generic', qq({"order_number":"$s","order_item_id":2,"tracking_number":"P2$p","tracking_url":"https://track.example/P2$p","events":[{"status_code":"in_transit","occurred_at":"2025-01-11T10:00:00Z"}]}), type => 'tracking');
run();
my @ss = grep { $_->{subject} =~ /on its way/ } mails_for($s);
is scalar(@ss), 2, 'two shipments, two shipped messages';
is_deeply [sort map { $_->{text} =~ m{(https://track\.example/\S+)} } @ss],
    ["https://track.example/P1$p", "https://track.example/P2$p"],
    'each with its own tracking link';

# --- refund issued ---------------------------------------------------------
my $r = "${p}R";
create_order($r, 'USD', 12999);
pay($r);
insert_event('generic', qq({"event_id":"rf-$p","order_number":"$r","amount":129.99,"currency":"USD","status":"refunded","provider_reference":"txn_$r"}));
run();
my ($rf) = grep { $_->{subject} =~ /^Refund for order/ } mails_for($r);
ok $rf, 'refund message';
like $rf->{text}, qr/refunded 129\.99 USD for your order \Q$r\E/,
    'refunded amount';

# --- no customer email: no notification -----------------------------------
my $n = "${p}N";
create_order($n, 'USD', 12999);
sql(q{UPDATE orderhooks.orders SET customer_email = NULL
      WHERE order_number = :'n'}, n => $n);
my $ev = pay($n);
run();
is event_row($ev)->{state}, 'done', 'event applied';
is order_row($n)->{status}, 'paid', 'order paid';
is_deeply notes($n), [], 'no notification without an address';

# --- mail off (the default): the worker writes no outbox rows --------------
my $off = "${p}O";
create_order($off, 'USD', 12999);
pay($off);
run_worker();
is order_row($off)->{status}, 'paid', 'mail off: order paid';
is_deeply notes($off), [], 'mail off: no notification';

$sink->stop;
done_testing;
