// Preloaded into a test backend (NODE_OPTIONS=--import): its loopback is its own, as a container's or
// another machine's is. Every outgoing connection to a loopback address is refused, as nothing of
// the harness listens on that loopback; everything else (this machine's other addresses) connects.
import net from 'node:net';

const isLoopback = (host) => host === 'localhost' || host === '::1' || /^(::ffff:)?127\./i.test(host);
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  if (!options.path && isLoopback(options.host ?? 'localhost')) {
    const error = Object.assign(new Error(`connect ECONNREFUSED ${options.host ?? 'localhost'}:${options.port} (this backend's own loopback)`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};
