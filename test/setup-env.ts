/**
 * Runs in every test worker before its files. Node parses NODE_EXTRA_CA_CERTS at every start, before
 * any script (Node 20: 50-85 ms of CPU for the 144 roots these machines point it at), and the tests
 * start thousands of Node processes (the CLI, the token host, peers). Keyport never reads it.
 */
delete process.env.NODE_EXTRA_CA_CERTS;
