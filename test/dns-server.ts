// A DNS server for tests (dns2): names of a farm whose answer the test changes as servers
// join and leave (test/client/discovery.test.ts, test/agents/farm-train.test.ts).
import dns2 from 'dns2';

const { Packet } = dns2;

/** A DNS server on 127.0.0.1 answering for the names in `zone` (A and AAAA), NXDOMAIN for others. */
export async function startDns(ttl: number) {
  const zone = new Map<string, string[]>();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const addresses = q ? zone.get(q.name.toLowerCase()) : undefined;
      if (!q || !addresses) response.header.rcode = Packet.RCODE.NXDOMAIN;
      else {
        const type = q.type === Packet.TYPE.A ? 4 : q.type === Packet.TYPE.AAAA ? 6 : 0;
        for (const address of addresses) {
          if ((address.includes(':') ? 6 : 4) !== type) continue;
          response.answers.push(Packet.createResourceFromQuestion(q, { ttl, address }));
        }
      }
      void send(response);
    },
  });
  const { udp } = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  let closed = false;
  const close = async () => {
    if (!closed) await server.close();
    closed = true;
  };
  return { zone, dnsServers: [`127.0.0.1:${udp!.port}`], close };
}
