/** The redis-server launcher: answers RESP on its URL, goes down and comes back on the same port, empty. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { requirePeer } from '../support/peers/debian-peers';
import { startRedis, type RedisServer } from '../support/peers/redis';

type Reply = string | number | null | Error;

/** Sends RESP commands on one connection to `url` and returns one reply per command (no client library). */
function redisCommands(url: string, ...commands: string[][]): Promise<Reply[]> {
  const { hostname, port } = new URL(url);
  const request = commands
    .map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let buffer = '';
    const replies: Reply[] = [];
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) break;
        const [type, line] = [buffer[0], buffer.slice(1, end)];
        if (type === '$') {
          const length = Number(line);
          if (length >= 0 && buffer.length < end + 2 + length + 2) break;
          replies.push(length < 0 ? null : buffer.slice(end + 2, end + 2 + length));
          buffer = buffer.slice(length < 0 ? end + 2 : end + 2 + length + 2);
        } else {
          replies.push(type === '+' ? line : type === ':' ? Number(line) : new Error(line));
          buffer = buffer.slice(end + 2);
        }
      }
      if (replies.length === commands.length) {
        socket.end();
        resolve(replies);
      }
    });
    socket.write(request);
  });
}

describe('peers: redis-server', function () {
  this.timeout(30000);
  let redis: RedisServer;

  before(async function () {
    requirePeer(this, 'redis');
    redis = await startRedis();
  });
  after(() => redis?.close());

  it('answers PING and keeps a value on its loopback URL', async function () {
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    const replies = await redisCommands(redis.url, ['PING'], ['SET', 'greeting', 'hello'], ['GET', 'greeting']);
    assert.deepEqual(replies, ['PONG', 'OK', 'hello']);
  });

  it('is down after stop() and back on the same port, empty, after start()', async function () {
    await redisCommands(redis.url, ['SET', 'survives', 'no']);
    await redis.stop();
    assert.equal(redis.running(), false);
    await assert.rejects(redisCommands(redis.url, ['PING']), { code: 'ECONNREFUSED' });
    await redis.start();
    assert.equal(redis.running(), true);
    assert.deepEqual(await redisCommands(redis.url, ['PING'], ['GET', 'survives']), ['PONG', null]);
  });

  it('with a password, refuses commands before AUTH and puts the password in its URL', async function () {
    const locked = await startRedis({ password: 'p@ss word' });
    try {
      assert.match(locked.url, /^redis:\/\/:p%40ss%20word@127\.0\.0\.1:\d+$/);
      const [refused] = await redisCommands(locked.url, ['PING']);
      assert.match(String(refused), /NOAUTH/);
      assert.deepEqual(await redisCommands(locked.url, ['AUTH', 'p@ss word'], ['PING']), ['OK', 'PONG']);
    } finally {
      await locked.close();
    }
  });
});
