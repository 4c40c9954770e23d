use Test::Nginx::Socket 'no_plan';
no_shuffle();
run_tests();
__DATA__
=== TEST 1: times out
--- config
    location = /slow { proxy_pass http://unix:/tmp/runner-try/bh.sock; }
--- request
GET /slow
--- timeout: 0.5
--- error_code:
=== TEST 2: abort
--- config
    location = /slow { proxy_pass http://unix:/tmp/runner-try/bh.sock; }
--- request
GET /slow
--- timeout: 300ms
--- abort
--- error_code:
