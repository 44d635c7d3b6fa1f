'use strict';
/**
 * An authenticating forward proxy (proxy-chain, Basic auth) for the benchmark, in its own
 * process. argv[2] and argv[3] are the user name and password it requires. Tells the parent
 * its URL (without credentials) with process.send({ url }).
 */
const { Server } = require('proxy-chain');

const [username, password] = process.argv.slice(2);
const proxy = new Server({
  port: 0,
  host: '127.0.0.1',
  prepareRequestFunction: ({ username: user, password: pass }) => ({
    requestAuthentication: user !== username || pass !== password,
  }),
});

proxy.listen().then(() => process.send({ url: `http://127.0.0.1:${proxy.port}` }));
process.on('disconnect', () => proxy.close(true).then(() => process.exit(0)));
