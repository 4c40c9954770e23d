# The test harness itself: block format, requests, checks, helpers, module load.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

use JSON::PP ();

repeat_each(2);
no_shuffle();
no_long_string();

$ENV{TEST_NGINX_SANITY_WORD} = 'expanded';

# The Perl signing helpers must agree with the providers' SDKs: recompute
# every valid case of the shared vectors file.
sub check_vectors {
    my $file = repo_dir() . '/../shared/vectors/signatures.json';
    SKIP: {
        skip "no $file", 1 if !-f $file;
        open my $in, '<:raw', $file or die "$file: $!";
        my $doc = JSON::PP->new->utf8->decode(do { local $/; <$in> });
        close $in;
        my $checked = 0;
        for my $c (grep { $_->{expect} eq 'valid' } @{ $doc->{cases} }) {
            my %h = map { lc($_) => $c->{headers}{$_} } keys %{ $c->{headers} };
            my $body = $c->{body};
            utf8::encode($body);
            my $p = $c->{provider};
            my ($got, $want);
            if ($p eq 'stripe') {
                my ($ts) = $h{'stripe-signature'} =~ /t=(\d+)/;
                ($want) = $h{'stripe-signature'} =~ /,v1=([0-9a-f]+)$/;
                ($got) = stripe_sig_header($c->{secret}, $body, $ts)
                         =~ /v1=(.*)/;
            } elsif ($p eq 'stitch') {
                my $pre = exists $h{'svix-id'} ? 'svix' : 'webhook';
                my $all = $pre eq 'svix'
                    ? svix_headers($c->{secret}, $h{'svix-id'},
                                   $h{'svix-timestamp'}, $body)
                    : standard_webhook_headers($c->{secret}, $h{'webhook-id'},
                                   $h{'webhook-timestamp'}, $body);
                ($got) = $all =~ /-signature: (\S+)/;
                ($want) = grep { $_ eq $got }
                          split / /, $h{"$pre-signature"};
            } elsif ($p eq 'razorpay') {
                $got = razorpay_sig($c->{secret}, $body);
                $want = $h{'x-razorpay-signature'};
            } elsif ($p eq 'generic') {
                $got = generic_sig($c->{secret}, $body);
                $want = $h{'x-signature'};
            } elsif ($p eq 'shopify') {
                $got = shopify_sig($c->{secret}, $body);
                $want = $h{'x-shopify-hmac-sha256'};
            } elsif ($p eq 'github') {
                $got = github_sig($c->{secret}, $body);
                $want = $h{'x-hub-signature-256'};
            } else {
                next;
            }
            is($got, $want, "signing helper matches vector $c->{id}");
            $checked++;
        }
        ok($checked >= 10, "checked $checked signed vectors");
    }
}

check_vectors();
run_tests();

__DATA__

=== TEST 1: return, headers present and absent, clean error log
--- no_module
--- config
    location = /t {
        add_header X-Sanity yes;
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body
hello
--- response_headers
X-Sanity: yes
Content-Type: text/plain
!X-Absent
--- no_error_log
[error]
[warn]



=== TEST 2: a deliberately triggered error log line
--- no_module
--- config
    location /missing/ {
        root $TEST_NGINX_SERVER_ROOT/html;
    }
--- request
GET /missing/nothing-here.txt
--- error_code: 404
--- error_log eval
[qr/\[error\] .*open\(\) ".*nothing-here\.txt" failed \(2: No such file/,
 "nothing-here.txt"]
--- no_error_log
[alert]



=== TEST 3: the previous block's log lines are not this block's
--- no_module
--- config
    location = /t {
        return 204;
    }
--- request
GET /t
--- error_code: 204
--- response_body chomp
--- no_error_log
nothing-here.txt
[error]



=== TEST 4: several requests in one block, arrays of expectations
--- no_module
--- config
    location = /a {
        return 201 "a\n";
    }
    location = /b {
        return 409 "b\n";
    }
    location = /c {
        add_header X-C c;
        return 200 "c\n";
    }
--- request eval
["GET /a", "POST /b\nbody", "GET /c"]
--- error_code eval
[201, 409, 200]
--- response_body eval
["a\n", "b\n", "c\n"]
--- response_headers eval
["!X-C", "!X-C", "X-C: c"]
--- no_error_log
[error]



=== TEST 5: request body trimmed, Content-Length and headers added
--- no_module
--- config
    location = /echo {
        return 200 "$request_method $http_content_length $http_host $http_connection $http_x_one\n";
    }
--- more_headers
X-One: 1
--- request eval
"POST /echo\n  hello world \n\n"
--- response_body
POST 11 localhost close 1



=== TEST 6: helpers are callable from eval sections
--- no_module
--- config
    location = /sig {
        return 200 "$http_stripe_signature|$http_svix_signature\n";
    }
--- more_headers eval
"Stripe-Signature: " . stripe_sig_header("whsec_test", "{}", 1700000000)
. "\n" . svix_headers("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1",
                      1700000000, "{}")
--- request
POST /sig
{}
--- response_body eval
stripe_sig_header("whsec_test", "{}", 1700000000) . "|"
. svix_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1",
                 1700000000, "{}") . "\n"



=== TEST 7: --- init runs before the requests and sees the helpers
--- no_module
--- config
    location = /init.txt {
        root $TEST_NGINX_SERVER_ROOT/html;
    }
--- init
open my $out, '>', "$ENV{TEST_NGINX_SERVER_ROOT}/html/init.txt" or die $!;
print $out github_sig("key", "value"), "\n";
close $out;
--- request
GET /init.txt
--- response_body eval
github_sig("key", "value") . "\n"



=== TEST 8: $TEST_NGINX_* expansion, response_body_like and headers_like
--- no_module
--- config
    location = /t {
        return 200 "word=$TEST_NGINX_SANITY_WORD port=$TEST_NGINX_SERVER_PORT\n";
    }
--- request
GET /t
--- response_body_like: ^word=expanded port=\d+$
--- response_headers_like
Content-Length: \d+
Server: nginx.*



=== TEST 9: raw request, HTTP/1.0, timeout and wait
--- no_module
--- config
    location = /t {
        return 200 "$server_protocol\n";
    }
--- raw_request eval
"GET /t HTTP/1.0\r\nHost: localhost\r\n\r\n"
--- timeout: 5
--- wait: 0.05
--- response_body
HTTP/1.0



=== TEST 10: the test database is migrated and reachable
--- no_module
--- config
    location = /t {
        return 200;
    }
--- request
GET /t
--- sql
SELECT to_regclass('orderhooks.webhook_events') IS NOT NULL,
       current_database()
--- sql_result
t|orderhooks



=== TEST 11: the orderhooks module loads
--- no_db
--- config
    location = /t {
        return 200 "loaded\n";
    }
--- request
GET /t
--- response_body
loaded
--- no_error_log
[emerg]
[error]
