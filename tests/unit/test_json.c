/* test_json: placeholder */
