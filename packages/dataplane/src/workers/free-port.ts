import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A port the kernel just handed out on `host`, released again. uWebSockets.js sets SO_REUSEPORT
 * only when it binds a given port, not port 0 (checked: a second process on the port a port-0
 * listener got fails), so DATAPLANE_PORT=0 (tests) is turned into one real port before several
 * data plane processes share it. Another process could take it in between; port 0 is a test
 * facility, production names its port.
 */
export async function pickFreePort(host: string): Promise<number> {
  const server = createServer().listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error(`could not pick a free port on ${host}`);
  return address.port;
}
