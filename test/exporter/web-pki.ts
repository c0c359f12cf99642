/** Test certificates: a throw-away CA, a server and a client certificate it signs, an unrelated key (openssl). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** A throw-away CA and a server certificate it signs (and a second, unrelated key), made with openssl. */
export function makePki(dir: string, caName = 'nsx-test-ca'): { ca: string; cert: string; key: string; otherKey: string; clientCert: string; clientKey: string } {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${caName}`]);
  const leaf = (name: string, cn: string, san: string, ext: string) => {
    run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${ext}\n`);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  leaf('server', 'localhost', 'IP:127.0.0.1,DNS:localhost', 'serverAuth');
  leaf('client', 'prometheus', 'DNS:prometheus.nsx-test', 'clientAuth');
  run(['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.key']);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), otherKey: join(dir, 'other.key'), clientCert: join(dir, 'client.crt'), clientKey: join(dir, 'client.key') };
}

